import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ClientDirectory } from '../../clients/client-directory.service';
import { Attributes } from '../../common/attributes';
import { ChangeBus } from '../../events/change-bus.service';
import { ChangeEvent } from '../../events/change-events';
import { ResyncedLoad } from '../../events/resynced-load';
import { AccessState, CompiledRule, RuleCondition, SubjectState } from './access-state';
import { ReloadOrder } from './reload-order';
import { compile } from '../conditions/condition';
import { pathParameters, RouteMatcher } from '../rules/route-matcher';
import { UserDirectory } from '../../users/user-directory.service';

interface Standing {
  active: boolean;
  tokensValidAfter: number | null;
  attributes: Attributes;
}

interface HeldRolesRow {
  id: string;
  roles: string[];
}

/**
 * Keeps AccessState in step with the database: a full load at start and after any gap in change
 * notifications (while it lasts the state is unknown and decisions answer 503), and targeted
 * reloads on each change event, from every process.
 */
@Injectable()
export class AccessStateLoader implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AccessStateLoader.name);
  private unsubscribe?: () => void;
  private readonly sync: ResyncedLoad;
  private readonly order = new ReloadOrder();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly state: AccessState,
    private readonly clients: ClientDirectory,
    private readonly users: UserDirectory,
    bus: ChangeBus,
  ) {
    this.sync = new ResyncedLoad(
      'access state',
      (current) => this.loadEverything(current),
      (known) => (this.state.known = known),
    );
    this.unsubscribe = bus.subscribe((event) => this.onChange(event));
  }

  async onModuleInit(): Promise<void> {
    await this.sync.run();
  }

  onApplicationShutdown(): void {
    this.sync.stop();
    this.unsubscribe?.();
  }

  /** Resolves once every reload started so far has finished (read-your-writes in this process). */
  settled(): Promise<void> {
    return this.state.settled();
  }

  private onChange(event: ChangeEvent): void {
    const work = this.reloadFor(event);
    if (!work) return;
    this.state.track(
      work.catch((error: unknown) => {
        this.logger.warn(
          `reload after ${event.type} failed (${describe(error)}); reloading everything`,
        );
        this.sync.reloadLater();
      }),
    );
  }

  private reloadFor(event: ChangeEvent): Promise<void> | undefined {
    switch (event.type) {
      case 'client.changed':
      case 'subject_roles.changed':
        if (event.type === 'subject_roles.changed' && event.subjectType === 'user') {
          return this.reloadUser(event.subjectId);
        }
        return this.reloadClient(
          event.type === 'client.changed' ? event.clientId : event.subjectId,
        );
      case 'client.deleted':
        this.order.deleted(`client:${event.clientId}`);
        this.state.clients.delete(event.clientId);
        this.state.forgetPermissions({ type: 'client', id: event.clientId });
        return undefined;
      case 'user.changed':
        return this.reloadUser(event.userId);
      case 'user.deleted':
        this.order.deleted(`user:${event.userId}`);
        this.state.putUser(event.userId, undefined);
        this.state.forgetPermissions({ type: 'user', id: event.userId });
        return undefined;
      case 'role.deleted':
        // At once, in every process: the role's holders lose it before anything else is read.
        this.order.roleDeleted(event.name);
        this.state.forgetRole(event.name);
        return this.loadRoles();
      case 'roles.changed':
        return this.loadRoles();
      case 'rules.changed':
        return this.loadRules();
      case 'transport.lost':
        this.sync.lost();
        return undefined;
      case 'resync':
        return this.sync.run();
      default:
        return undefined;
    }
  }

  /** Reads everything, and replaces the state with it unless a newer gap or load began. */
  private async loadEverything(current: () => boolean): Promise<void> {
    const started = this.order.begin('everything');
    const [clients, users] = await Promise.all([this.clientStates(), this.userStates()]);
    await this.loadRoles();
    await this.loadRules();
    this.order.finish('everything', started);
    if (!current()) return;
    this.replace(this.state.clients, this.live(clients, started));
    this.state.replaceUsers(this.live(users, started));
    this.state.forgetPermissions();
  }

  private async reloadClient(clientId: string): Promise<void> {
    const key = `client:${clientId}`;
    const started = this.order.begin(key);
    const [row] = await this.clientStates(clientId);
    // A newer reload or a deletion of this client began meanwhile: this read is stale.
    if (!this.order.finish(key, started)) return;
    this.put(this.state.clients, clientId, this.live(row ? [row] : [], started)[0]);
    this.state.forgetPermissions({ type: 'client', id: clientId });
  }

  private async reloadUser(userId: string): Promise<void> {
    const key = `user:${userId}`;
    const started = this.order.begin(key);
    const [row] = await this.userStates(userId);
    if (!this.order.finish(key, started)) return;
    this.state.putUser(userId, this.live(row ? [row] : [], started)[0]?.[1]);
    this.state.forgetPermissions({ type: 'user', id: userId });
  }

  private async loadRoles(): Promise<void> {
    const started = this.order.begin('roles');
    const rows = await this.dataSource.query<
      Array<{ name: string; permissions: string[]; conditions: Record<string, string> | null }>
    >('SELECT name, permissions, conditions FROM roles');
    // An older read finishing after a newer one would bring back what the newer one removed.
    if (!this.order.finish('roles', started)) return;
    const live = new Set(
      this.order.liveRoles(
        rows.map((row) => row.name),
        started,
      ),
    );
    const kept = rows.filter((row) => live.has(row.name));
    this.state.roles = new Map(kept.map((row) => [row.name, new Set(row.permissions)]));
    const roleConditions = new Map<string, ReadonlyMap<string, RuleCondition>>();
    const conditioned = new Set<string>();
    for (const row of kept) {
      const entries = Object.entries(row.conditions ?? {});
      if (entries.length === 0) continue;
      roleConditions.set(
        row.name,
        new Map(entries.map(([permission, source]) => [permission, ruleCondition(source, '/')])),
      );
      for (const [permission] of entries) conditioned.add(permission);
    }
    this.state.roleConditions = roleConditions;
    this.state.conditionedPermissions = conditioned;
    this.state.forgetPermissions();
  }

  /** Subjects as read by a load begun at `started`, without roles deleted since. */
  private live(
    rows: Array<[string, SubjectState]>,
    started: number,
  ): Array<[string, SubjectState]> {
    return rows.map(([id, state]) => [
      id,
      { ...state, roles: this.order.liveRoles(state.roles, started) },
    ]);
  }

  private async loadRules(): Promise<void> {
    const rows = await this.dataSource.query<
      Array<{
        id: string;
        methods: string[];
        path: string;
        permission: string | null;
        scopes: string[];
        audience: string | null;
        anonymous: boolean;
        condition: string | null;
      }>
    >(
      'SELECT id, methods, path, permission, scopes, audience, anonymous, condition FROM access_rules',
    );
    const rules: CompiledRule[] = rows.map(({ condition, ...row }) =>
      condition === null ? row : { ...row, condition: ruleCondition(condition, row.path) },
    );
    this.state.matcher = new RouteMatcher(rules);
    this.state.ruleCount = rules.length;
  }

  /** Every client (or one) with the roles it holds: its standing from the clients module. */
  private async clientStates(clientId?: string): Promise<Array<[string, SubjectState]>> {
    const [standings, held] = await Promise.all([
      this.clients.standings(clientId),
      this.heldRoles('client_roles', 'client_id', clientId),
    ]);
    return withRoles(
      standings.map((standing) => [standing.clientId, standing]),
      held,
    );
  }

  /** Every user (or one) with the roles it holds: its standing from the users module. */
  private async userStates(userId?: string): Promise<Array<[string, SubjectState]>> {
    const [standings, held] = await Promise.all([
      this.users.standings(userId),
      this.heldRoles('user_roles', 'user_id', userId),
    ]);
    return withRoles(
      standings.map((standing) => [
        standing.id,
        {
          ...standing,
          names: standing.email
            ? [standing.usernameNormalized, standing.email.toLowerCase()]
            : [standing.usernameNormalized],
          identity: standing.email
            ? { username: standing.username, email: standing.email }
            : { username: standing.username },
        },
      ]),
      held,
    );
  }

  /** Role names by holder, from this module's own assignment table; one query. */
  private async heldRoles(
    table: 'client_roles' | 'user_roles',
    holder: 'client_id' | 'user_id',
    id?: string,
  ): Promise<Map<string, string[]>> {
    const rows = await this.dataSource.query<HeldRolesRow[]>(
      `SELECT ${holder} AS id, array_agg(role_name) AS roles FROM ${table}${
        id === undefined ? '' : ` WHERE ${holder} = $1`
      } GROUP BY ${holder}`,
      id === undefined ? [] : [id],
    );
    return new Map(rows.map((row) => [row.id, row.roles]));
  }

  private replace(target: Map<string, SubjectState>, rows: Array<[string, SubjectState]>): void {
    target.clear();
    for (const [id, state] of rows) target.set(id, state);
  }

  private put(
    target: Map<string, SubjectState>,
    id: string,
    row: [string, SubjectState] | undefined,
  ): void {
    if (row) target.set(id, row[1]);
    else target.delete(id);
  }
}

/** What only users have (their names) or only clients (their registered iam:* scopes). */
interface UserNames {
  names?: readonly string[];
  identity?: { username: string; email?: string };
  gatehouseScopes?: readonly string[];
}

function withRoles(
  standings: Array<[string, Standing & UserNames]>,
  held: Map<string, string[]>,
): Array<[string, SubjectState]> {
  return standings.map(
    ([id, { active, tokensValidAfter, attributes, names, identity, gatehouseScopes }]) => [
      id,
      {
        active,
        tokensValidAfter,
        roles: held.get(id) ?? [],
        attributes,
        ...(names ? { names } : {}),
        ...identity,
        ...(gatehouseScopes ? { gatehouseScopes } : {}),
      },
    ],
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : 'unknown error';
}

/** Compiles a rule's condition once, when the rules load, never per request. */
function ruleCondition(source: string, path: string): RuleCondition {
  const params = pathParameters(path);
  const result = compile(source);
  return result.ok
    ? { source, compiled: result.condition, params }
    : { source, problem: `does not compile: ${result.problem.message}`, params };
}
