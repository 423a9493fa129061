import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ValidationFailedError } from '../../common/api-error';
import { Subject } from '../../common/auth/subject-permissions';
import { AccessDecisionService } from '../engine/access-decision.service';
import { AccessState } from '../engine/access-state';
import { AskedFacts } from '../engine/decision';
import {
  ActionSearchRequest,
  SEARCH_DEFAULT_LIMIT,
  SearchAnswer,
  SearchPage,
  SubjectSearchRequest,
} from './authzen-search.dto';

class BadPageTokenError extends ValidationFailedError {
  constructor() {
    super([{ field: 'page.token', problem: 'is not a next_token of this search' }]);
  }
}

/** What a page token says: which search it continues (`q`) and the last result given (`a`). */
interface Cursor {
  q: string;
  a: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * OpenID AuthZEN Authorization API 1.0 §8 searches, answered from the in-memory access state
 * (the same state every decision reads, current within a second of a change): which subjects of
 * a type hold `resource.type:action.name` (subject search), and which actions a subject holds
 * on a resource type (action search). Results come in code-point order of their ids or names; a
 * page token carries the last result given and a digest of the search it belongs to, so a token
 * from another search, or altered, is a 400. Gatehouse holds no resource ids, so it offers no
 * resource search (docs/authzen.md, "Search").
 */
@Injectable()
export class AuthzenSearch {
  constructor(
    private readonly engine: AccessDecisionService,
    private readonly state: AccessState,
  ) {}

  /** §8 subject search: active subjects of `subject.type` holding the permission now. */
  async subjects(
    request: SubjectSearchRequest,
    address?: string,
  ): Promise<SearchAnswer<{ type: 'user' | 'client'; id: string }>> {
    const type = request.subject.type;
    const permission = `${request.resource.type}:${request.action.name}`;
    const page = pageOf(request.page, ['subject', type, permission]);
    await this.engine.whenSettled();
    const subjects = type === 'user' ? this.state.users : this.state.clients;
    const asked = askedBy(request, address);
    const ids: string[] = [];
    for (const id of subjects.keys()) {
      if (this.grants({ type, id }, permission, asked)) ids.push(id);
    }
    return paginate(ids, page, (id) => ({ type, id }));
  }

  /**
   * §8 action search: the actions the subject holds on `resource.type` now; none for an unknown
   * or inactive subject (its evaluations are all denied).
   */
  async actions(
    request: ActionSearchRequest,
    address?: string,
  ): Promise<SearchAnswer<{ name: string }>> {
    const { type, id } = request.subject;
    const prefix = `${request.resource.type}:`;
    const page = pageOf(request.page, ['action', type, id, request.resource.type]);
    await this.engine.whenSettled();
    const asked = askedBy(request, address);
    const names: string[] = [];
    for (const permission of this.state.permissionsOf({ type, id })) {
      if (permission.startsWith(prefix) && this.grants({ type, id }, permission, asked))
        names.push(permission.slice(prefix.length));
    }
    return paginate(names, page, (name) => ({ name }));
  }

  /**
   * Whether an evaluation of this subject and permission would be `decision: true` (§8: every
   * result must be): the subject active and holding the permission now, a role's condition
   * included, as AccessDecisionService.decideSubject judges it.
   */
  private grants(subject: Subject, permission: string, asked: AskedFacts): boolean {
    return this.engine.subjectDenial(subject, permission, asked) === undefined;
  }
}

/**
 * What a role's condition sees in a search: the request's own subject, action and resource
 * properties, context and the caller's address, as in an evaluation of the same inputs, so that
 * a result fed back into one is still `decision: true` (§8).
 */
function askedBy(
  request: Partial<Pick<SubjectSearchRequest, 'subject' | 'action' | 'resource' | 'context'>>,
  address: string | undefined,
): AskedFacts {
  const { subject, action, resource, context } = request;
  return { subject, action, resource, context, address };
}

interface PageRequest {
  query: string;
  after?: string;
  limit: number;
}

/** The page asked for, its token checked against the search it claims to continue. */
function pageOf(page: SearchPage | undefined, search: string[]): PageRequest {
  const query = createHash('sha256').update(JSON.stringify(search)).digest('base64url');
  const limit = page?.limit ?? SEARCH_DEFAULT_LIMIT;
  if (page?.token === undefined || page.token === '') return { query, limit };
  return { query, limit, after: cursorOf(page.token, query) };
}

function cursorOf(token: string, query: string): string {
  if (!BASE64URL.test(token)) throw new BadPageTokenError();
  let cursor: unknown;
  try {
    cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new BadPageTokenError();
  }
  if (
    typeof cursor !== 'object' ||
    cursor === null ||
    (cursor as Cursor).q !== query ||
    typeof (cursor as Cursor).a !== 'string' ||
    Object.keys(cursor).length !== 2
  ) {
    throw new BadPageTokenError();
  }
  return (cursor as Cursor).a;
}

/**
 * One page of `all`, sorted, after the cursor: a result added or removed between pages neither
 * repeats nor hides another. `total` is the count at the time of this request.
 */
function paginate<T>(all: string[], page: PageRequest, shape: (key: string) => T): SearchAnswer<T> {
  const sorted = all.sort(byCodePoint);
  const start = page.after === undefined ? 0 : sorted.findIndex((key) => key > page.after!);
  const from = start === -1 ? sorted.length : start;
  const keys = sorted.slice(from, from + page.limit);
  const more = from + keys.length < sorted.length;
  const next: Cursor = { q: page.query, a: keys[keys.length - 1] };
  return {
    results: keys.map(shape),
    page: {
      next_token: more ? Buffer.from(JSON.stringify(next)).toString('base64url') : '',
      count: keys.length,
      total: sorted.length,
    },
  };
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
