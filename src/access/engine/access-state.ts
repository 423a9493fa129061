import { Attributes } from '../../common/attributes';
import { Subject } from '../../common/auth/subject-permissions';
import { CompiledCondition } from '../conditions/condition';
import { RouteMatcher, RoutePattern } from '../rules/route-matcher';

export interface SubjectState {
  active: boolean;
  /** Epoch ms; tokens issued before it are dead. */
  tokensValidAfter: number | null;
  roles: string[];
  /** Admin-set (docs/access.md, Attributes): frozen, the one shared empty object when `{}`. */
  attributes: Attributes;
  /** A user's names besides its id, lower-cased: its username, and its email if any. */
  names?: readonly string[];
  /** A user's username and email as stored, original case (conditions: `subject.username`). */
  username?: string;
  email?: string;
  /** A client's registered `iam:*` scopes: a token's own count only while registered. */
  gatehouseScopes?: readonly string[];
}

/** What a name given for a user resolves to: its id, or why there is none. */
export type UserResolution = { id: string } | 'unknown' | 'ambiguous';

export interface CompiledRule extends RoutePattern {
  permission: string | null;
  scopes: string[];
  audience: string | null;
  anonymous: boolean;
  /** Only on a rule with a condition (docs/access.md, "Conditions"): compiled once, at load. */
  condition?: RuleCondition;
}

/**
 * A rule's condition as loaded: compiled, or (should the library refuse what it accepted at
 * save) the problem, which denies every request the rule decides (fail closed).
 */
export interface RuleCondition {
  source: string;
  compiled?: CompiledCondition;
  problem?: string;
  /** `{name}` segments of the rule's path, with their index in the request's segments. */
  params: ReadonlyArray<readonly [string, number]>;
}

const EMPTY: ReadonlySet<string> = new Set();

/**
 * Everything a decision needs, in memory: client and user status, who holds which roles, what
 * each role grants, and the gateway rules. Fed by AccessStateLoader; read by the engine, which
 * never touches the database.
 */
export class AccessState {
  /** False until loaded, and again while change notifications may have been missed. */
  known = false;
  readonly clients = new Map<string, SubjectState>();
  /** Read here; changed only through putUser and replaceUsers, which keep `userNames` in step. */
  readonly users = new Map<string, SubjectState>();
  /** Lower-cased username or email to the user (or users: emails need not be unique) it names. */
  private readonly userNames = new Map<string, string | string[]>();
  roles = new Map<string, ReadonlySet<string>>();
  /** Each role's conditions, by permission (docs/access.md, "Conditions"). */
  roleConditions = new Map<string, ReadonlyMap<string, RuleCondition>>();
  /** Permissions some role grants only on a condition: the others cost one lookup more. */
  conditionedPermissions: ReadonlySet<string> = new Set();
  matcher = new RouteMatcher<CompiledRule>([]);
  ruleCount = 0;
  private readonly permissionCache = new Map<string, ReadonlySet<string>>();
  /** Reloads under way after change events (they never reject). */
  private readonly reloads = new Set<Promise<void>>();

  /** Records a reload under way, so decisions can wait for the change it applies. */
  track(work: Promise<void>): void {
    const tracked: Promise<void> = work.finally(() => this.reloads.delete(tracked));
    this.reloads.add(tracked);
  }

  /**
   * Resolves once the reloads under way now have finished: a change announced before this call
   * is in force after it. Undefined (no waiting) when none is under way, the usual case.
   */
  current(): Promise<unknown> | undefined {
    return this.reloads.size > 0 ? Promise.allSettled([...this.reloads]) : undefined;
  }

  /** Resolves once every reload, including those started meanwhile, has finished. */
  async settled(): Promise<void> {
    while (this.reloads.size > 0) await Promise.allSettled([...this.reloads]);
  }

  /** A user, or its removal (`undefined`), with its names. */
  putUser(id: string, state: SubjectState | undefined): void {
    const before = this.users.get(id);
    if (before?.names) for (const name of before.names) this.unname(name, id);
    if (!state) {
      this.users.delete(id);
      return;
    }
    this.users.set(id, state);
    if (state.names) for (const name of state.names) this.name(name, id);
  }

  replaceUsers(rows: Iterable<[string, SubjectState]>): void {
    this.users.clear();
    this.userNames.clear();
    for (const [id, state] of rows) this.putUser(id, state);
  }

  /**
   * The user a name given by a caller means (docs/access.md, Subjects by name): its id when a
   * user has that id; else the one user whose username (compared in lower case, as the users
   * module stores it) or email (case-insensitively) it is. Two or more: ambiguous, never a guess.
   */
  resolveUser(name: string): UserResolution {
    if (this.users.has(name)) return { id: name };
    const found = this.userNames.get(name.toLowerCase());
    if (found === undefined) return 'unknown';
    return typeof found === 'string' ? { id: found } : 'ambiguous';
  }

  private name(name: string, id: string): void {
    const held = this.userNames.get(name);
    if (held === undefined) this.userNames.set(name, id);
    else if (held === id || (Array.isArray(held) && held.includes(id))) return;
    else this.userNames.set(name, Array.isArray(held) ? [...held, id] : [held, id]);
  }

  private unname(name: string, id: string): void {
    const held = this.userNames.get(name);
    if (held === id) this.userNames.delete(name);
    else if (Array.isArray(held)) {
      const rest = held.filter((other) => other !== id);
      this.userNames.set(name, rest.length === 1 ? rest[0] : rest);
    }
  }

  subject({ type, id }: Subject): SubjectState | undefined {
    return (type === 'user' ? this.users : this.clients).get(id);
  }

  /** The union of the subject's roles' permissions, cached until roles or assignments change. */
  permissionsOf(subject: Subject): ReadonlySet<string> {
    const key = `${subject.type}:${subject.id}`;
    let permissions = this.permissionCache.get(key);
    if (!permissions) {
      const state = this.subject(subject);
      if (!state || state.roles.length === 0) return EMPTY;
      permissions = new Set(state.roles.flatMap((role) => [...(this.roles.get(role) ?? EMPTY)]));
      this.permissionCache.set(key, permissions);
    }
    return permissions;
  }

  /**
   * A deleted role: gone from every subject that held it (the database dropped the assignments
   * with it), so one re-created by the same name starts with no holders.
   */
  forgetRole(name: string): void {
    for (const subjects of [this.clients, this.users]) {
      for (const [id, state] of subjects) {
        if (state.roles.includes(name))
          subjects.set(id, { ...state, roles: state.roles.filter((role) => role !== name) });
      }
    }
    const roles = new Map(this.roles);
    roles.delete(name);
    this.roles = roles;
    this.forgetPermissions();
  }

  forgetPermissions(subject?: Subject): void {
    if (subject) this.permissionCache.delete(`${subject.type}:${subject.id}`);
    else this.permissionCache.clear();
  }
}
