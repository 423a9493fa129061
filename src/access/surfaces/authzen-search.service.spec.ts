import { expect } from 'expect';
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, it } from 'node:test';
import { NO_ATTRIBUTES } from '../../common/attributes';
import { SystemClock } from '../../common/clock';
import { RandomIds } from '../../common/ids';
import { AppConfig } from '../../config/app-config';
import { JwtService } from '../../crypto/jwt.service';
import { RevocationList } from '../../tokens/revocation-list.service';
import { AccessDecisionService } from '../engine/access-decision.service';
import { AccessState, SubjectState } from '../engine/access-state';
import { AuthzenSearch } from './authzen-search.service';
import { SubjectSearchRequest } from './authzen-search.dto';

const user = (roles: string[], active = true): SubjectState => ({
  active,
  tokensValidAfter: null,
  roles,
  attributes: NO_ATTRIBUTES,
});

/** Code-point order, worked out apart from the service. */
const sorted = (ids: Iterable<string>) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

describe(AuthzenSearch.name, () => {
  let state: AccessState;
  let sut: AuthzenSearch;
  /** Who may read invoices: active, holding readers or auditors (some hold both). */
  let expected: string[];

  const whoMayRead = (page?: { token?: string; limit?: number }): SubjectSearchRequest => ({
    subject: { type: 'user' },
    action: { name: 'read' },
    resource: { type: 'invoices', id: 'i-1' },
    ...(page ? { page } : {}),
  });

  /** Every page in turn: the results and the totals each page gave. */
  async function walk(limit: number, between?: (page: number) => void) {
    const results: string[] = [];
    const totals: number[] = [];
    let token = '';
    for (let page = 0; page < 1000; page++) {
      const answer = await sut.subjects(whoMayRead({ token, limit }));
      expect(answer.page.count).toBe(answer.results.length);
      expect(answer.results.length).toBeLessThanOrEqual(limit);
      results.push(...answer.results.map((result) => result.id));
      totals.push(answer.page.total);
      token = answer.page.next_token;
      if (token === '') return { results, totals };
      between?.(page);
    }
    throw new Error('no last page');
  }

  beforeEach(() => {
    state = new AccessState();
    state.known = true;
    state.roles = new Map([
      ['readers', new Set(['invoices:read'])],
      ['auditors', new Set(['invoices:read', 'ledgers:audit'])],
      ['writers', new Set(['invoices:write'])],
    ]);
    expected = [];
    for (let i = 0; i < 400; i++) {
      const id = i % 50 === 0 ? `Z-${i}-é` : randomUUID();
      const roles = [['readers'], ['auditors'], ['readers', 'auditors'], ['writers'], []][i % 5];
      const active = i % 7 !== 0;
      state.putUser(id, user(roles, active));
      if (active && roles.some((role) => role !== 'writers')) expected.push(id);
    }
    expected = sorted(expected);
    const engine = new AccessDecisionService(
      state,
      {} as JwtService,
      { known: true, isRevoked: () => false } as unknown as RevocationList,
      {} as AppConfig,
      new SystemClock(),
      new RandomIds(),
    );
    sut = new AuthzenSearch(engine, state);
  });

  it('gives every active holder once, in code-point order, page after page, with the total', async () => {
    for (const limit of [1, 7, 50, 100]) {
      const { results, totals } = await walk(limit);
      expect(results).toEqual(expected);
      expect(new Set(totals)).toEqual(new Set([expected.length]));
    }
  });

  it('answers one page with no next_token when all fit', async () => {
    state.putUser(expected[0], user([]));
    const few = sorted(expected.slice(1, 60));
    for (const id of expected.slice(60)) state.putUser(id, user(['writers']));
    const answer = await sut.subjects(whoMayRead({ limit: 100 }));
    expect(answer).toEqual({
      results: few.map((id) => ({ type: 'user', id })),
      page: { next_token: '', count: few.length, total: few.length },
    });
  });

  it('neither repeats nor hides a result when subjects come and go between pages', async () => {
    const gone = new Set<string>();
    const { results, totals } = await walk(30, (page) => {
      if (page !== 2) return;
      // One before the cursor joins, one after it leaves, one after it joins.
      state.putUser('0-first', user(['readers']));
      const leaving = expected[expected.length - 3];
      state.putUser(leaving, user(['readers'], false));
      gone.add(leaving);
      state.putUser('zzz-last', user(['auditors']));
    });
    expect(results).toEqual([...expected.filter((id) => !gone.has(id)), 'zzz-last']);
    expect(totals[0]).toBe(expected.length);
    expect(totals[totals.length - 1]).toBe(expected.length + 1);
  });

  it('follows a role taken away or deleted', async () => {
    const holder = expected[0];
    state.putUser(holder, user(['writers']));
    let first = await sut.subjects(whoMayRead({ limit: 1 }));
    expect(first.results).toEqual([{ type: 'user', id: expected[1] }]);
    expect(first.page.total).toBe(expected.length - 1);
    state.forgetRole('auditors');
    const readers = [...state.users].filter(([, held]) => held.active);
    const left = sorted(
      readers.filter(([, held]) => held.roles.includes('readers')).map(([id]) => id),
    );
    first = await sut.subjects(whoMayRead({ limit: 1 }));
    expect(first.results).toEqual([{ type: 'user', id: left[0] }]);
    expect(first.page.total).toBe(left.length);
  });
});
