import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import {
  clientToken,
  createRole,
  createService,
  setClientRoles,
  setUserRoles,
  signWithServerKey,
  unique,
  within,
} from '../support/access';
import { createUser } from '../support/code-flow';
import { InjectResult, startTestApp, TestApp } from '../support/test-app';
import { NEEDS_POSTGRES_SERVER } from '../support/test-database';
import { twoProcessesOnOneDatabase } from '../support/two-processes';

/** Code-point order, the order Gatehouse gives search results in. */
const sorted = (ids: string[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

describe('AuthZEN 1.0 search APIs (§8)', () => {
  let sut: TestApp;
  let checker: string;
  /** A resource type only this file's roles name: the results are exactly the subjects here. */
  let ledgers: string;
  let auditor: string;
  let holders: string[];
  let outsider: string;
  let service: string;

  before(async () => {
    sut = await startTestApp();
    ledgers = unique('ledgers');
    auditor = await createRole(sut, [`${ledgers}:audit`, `${ledgers}:read`, 'other:read']);
    holders = [];
    for (let i = 0; i < 5; i++) {
      const user = await createUser(sut);
      await setUserRoles(sut, user.id, [auditor]);
      holders.push(user.id);
    }
    outsider = (await createUser(sut)).id;
    service = (await createService(sut, 'iam:check', [auditor])).client_id;
    checker = await clientToken(sut, await createService(sut, 'iam:check'));
  });
  after(() => sut.close());

  const post = (
    url: string,
    payload: unknown,
    { token = checker, headers = {} }: { token?: string | null; headers?: object } = {},
  ) =>
    sut.request({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json',
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...headers,
      },
      payload: payload as object,
    });
  const searchSubjects = (payload: unknown, options?: Parameters<typeof post>[2]) =>
    post('/access/v1/search/subject', payload, options);
  const searchActions = (payload: unknown, options?: Parameters<typeof post>[2]) =>
    post('/access/v1/search/action', payload, options);
  const whoMayAudit = (page?: object) => ({
    subject: { type: 'user' },
    action: { name: 'audit' },
    resource: { type: ledgers, id: 'l-1' },
    ...(page ? { page } : {}),
  });

  function expectResults(response: InjectResult, body: object) {
    expect({
      status: response.statusCode,
      type: response.headers['content-type'],
      cache: response.headers['cache-control'],
      body: response.json(),
    }).toEqual({
      status: 200,
      type: 'application/json; charset=utf-8',
      cache: 'no-store',
      body,
    });
  }

  function expectBadRequest(response: InjectResult, field: string, problem: string) {
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 400,
      body: {
        error: 'invalid_request',
        message: `${field}: ${problem}`,
        details: [{ field, problem }],
      },
    });
  }

  describe('discovery (§9)', () => {
    it('lists subject and action search, not resource search, and they answer where advertised', async () => {
      const metadata = (
        await sut.request({ method: 'GET', url: '/.well-known/authzen-configuration' })
      ).json();
      expect(metadata.search_subject_endpoint).toBe(
        'http://localhost:3000/access/v1/search/subject',
      );
      expect(metadata.search_action_endpoint).toBe('http://localhost:3000/access/v1/search/action');
      expect(metadata).not.toHaveProperty('search_resource_endpoint');
      expect(
        (await post(new URL(metadata.search_subject_endpoint).pathname, whoMayAudit())).statusCode,
      ).toBe(200);
      expect(
        (
          await post(new URL(metadata.search_action_endpoint).pathname, {
            subject: { type: 'user', id: holders[0] },
            resource: { type: ledgers, id: 'l-1' },
          })
        ).statusCode,
      ).toBe(200);
      const resource = await post('/access/v1/search/resource', {
        subject: { type: 'user', id: holders[0] },
        action: { name: 'audit' },
        resource: { type: ledgers },
      });
      expect(resource.statusCode).toBe(404);
    });
  });

  describe('POST /access/v1/search/subject', () => {
    it('lists the active users holding resource.type:action.name, in id order, with count and total', async () => {
      expectResults(await searchSubjects(whoMayAudit()), {
        results: sorted(holders).map((id) => ({ type: 'user', id })),
        page: { next_token: '', count: 5, total: 5 },
      });
    });

    it('lists clients for subject.type client, and ignores a subject id', async () => {
      expectResults(
        await searchSubjects({
          ...whoMayAudit(),
          subject: { type: 'client', id: 'ignored', properties: { any: 1 } },
          context: { time: '2026-01-01T00:00:00Z' },
        }),
        {
          results: [{ type: 'client', id: service }],
          page: { next_token: '', count: 1, total: 1 },
        },
      );
    });

    it('finds nobody for a permission nobody holds', async () => {
      expectResults(await searchSubjects({ ...whoMayAudit(), action: { name: 'delete' } }), {
        results: [],
        page: { next_token: '', count: 0, total: 0 },
      });
    });

    it('pages through the results with page.limit and page.next_token, each once, in order', async () => {
      const all = sorted(holders);
      const first = await searchSubjects(whoMayAudit({ limit: 2 }));
      const firstToken = first.json().page.next_token;
      expect(firstToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expectResults(first, {
        results: all.slice(0, 2).map((id) => ({ type: 'user', id })),
        page: { next_token: firstToken, count: 2, total: 5 },
      });
      const second = await searchSubjects(whoMayAudit({ token: firstToken, limit: 2 }));
      const secondToken = second.json().page.next_token;
      expect(secondToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(secondToken).not.toBe(firstToken);
      expectResults(second, {
        results: all.slice(2, 4).map((id) => ({ type: 'user', id })),
        page: { next_token: secondToken, count: 2, total: 5 },
      });
      // The last page: an empty next_token (§8).
      expectResults(await searchSubjects(whoMayAudit({ token: secondToken, limit: 2 })), {
        results: [{ type: 'user', id: all[4] }],
        page: { next_token: '', count: 1, total: 5 },
      });
      // A token is no snapshot: the same one again gives the same page; another limit is allowed.
      expectResults(await searchSubjects(whoMayAudit({ token: firstToken, limit: 100 })), {
        results: all.slice(2).map((id) => ({ type: 'user', id })),
        page: { next_token: '', count: 3, total: 5 },
      });
      // An empty token is the first page, like none.
      expect((await searchSubjects(whoMayAudit({ token: '', limit: 1 }))).json().results).toEqual([
        { type: 'user', id: all[0] },
      ]);
    });

    it('answers 400 for a token of another search, an altered one, or garbage', async () => {
      const token = (await searchSubjects(whoMayAudit({ limit: 1 }))).json().page.next_token;
      const problem = 'is not a next_token of this search';
      const otherSearch = await searchSubjects({
        ...whoMayAudit({ token }),
        action: { name: 'read' },
      });
      expectBadRequest(otherSearch, 'page.token', problem);
      const decoded = JSON.parse(Buffer.from(token, 'base64url').toString());
      const altered = Buffer.from(JSON.stringify({ ...decoded, q: 'x' })).toString('base64url');
      expectBadRequest(
        await searchSubjects(whoMayAudit({ token: altered })),
        'page.token',
        problem,
      );
      const extra = Buffer.from(JSON.stringify({ ...decoded, z: 1 })).toString('base64url');
      expectBadRequest(await searchSubjects(whoMayAudit({ token: extra })), 'page.token', problem);
      for (const garbage of ['not a token', 'e30', 'bnVsbA', '!!!', 'AAAA']) {
        expectBadRequest(
          await searchSubjects(whoMayAudit({ token: garbage })),
          'page.token',
          problem,
        );
      }
      expectBadRequest(
        await searchSubjects(whoMayAudit({ token: 'a'.repeat(513) })),
        'page.token',
        'must be shorter than or equal to 512 characters',
      );
      const number = await searchSubjects(whoMayAudit({ token: 7 }));
      expect({ status: number.statusCode, details: number.json().details }).toEqual({
        status: 400,
        details: [
          { field: 'page.token', problem: 'must be shorter than or equal to 512 characters' },
          { field: 'page.token', problem: 'must be a string' },
        ],
      });
    });

    it('answers 400 for a limit that is not an integer from 1 to 100', async () => {
      expectBadRequest(
        await searchSubjects(whoMayAudit({ limit: 0 })),
        'page.limit',
        'must not be less than 1',
      );
      expectBadRequest(
        await searchSubjects(whoMayAudit({ limit: 101 })),
        'page.limit',
        'must not be greater than 100',
      );
      expectBadRequest(
        await searchSubjects(whoMayAudit({ limit: 2.5 })),
        'page.limit',
        'must be an integer number',
      );
      const text = await searchSubjects(whoMayAudit({ limit: '2' }));
      expect(text.statusCode).toBe(400);
      expect(text.json().details).toContainEqual({
        field: 'page.limit',
        problem: 'must be an integer number',
      });
      const notObject = await searchSubjects({ ...whoMayAudit(), page: 3 });
      expect({ status: notObject.statusCode, details: notObject.json().details }).toEqual({
        status: 400,
        details: [
          { field: 'page', problem: 'must be an object' },
          { field: 'page', problem: 'nested property page must be either object or array' },
        ],
      });
      expectResults(await searchSubjects(whoMayAudit({ limit: 100 })), {
        results: sorted(holders).map((id) => ({ type: 'user', id })),
        page: { next_token: '', count: 5, total: 5 },
      });
    });

    it('leaves out disabled users, and sees a role taken away at once', async () => {
      const role = await createRole(sut, [`${ledgers}:close`]);
      const [kept, disabled, demoted] = [
        await createUser(sut),
        await createUser(sut),
        await createUser(sut),
      ];
      for (const user of [kept, disabled, demoted]) await setUserRoles(sut, user.id, [role]);
      const whoMayClose = { ...whoMayAudit(), action: { name: 'close' } };
      const ids = (response: InjectResult) =>
        response.json().results.map((result: { id: string }) => result.id);
      expect(ids(await searchSubjects(whoMayClose))).toEqual(
        sorted([kept.id, disabled.id, demoted.id]),
      );
      const patched = await sut.admin('PATCH', `/admin/users/${disabled.id}`, {
        status: 'disabled',
      });
      expect(patched.statusCode).toBe(200);
      await setUserRoles(sut, demoted.id, []);
      const started = Date.now();
      expectResults(await searchSubjects(whoMayClose), {
        results: [{ type: 'user', id: kept.id }],
        page: { next_token: '', count: 1, total: 1 },
      });
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('requires subject.type, action.name and resource {type, id}, ignoring unknown members', async () => {
      expectBadRequest(
        await searchSubjects({ ...whoMayAudit(), subject: {} }),
        'subject.type',
        'must be one of the following values: user, client',
      );
      expectBadRequest(
        await searchSubjects({ ...whoMayAudit(), subject: { type: 'group' } }),
        'subject.type',
        'must be one of the following values: user, client',
      );
      expectBadRequest(
        await searchSubjects({ subject: { type: 'user' }, resource: { type: ledgers, id: 'l' } }),
        'action',
        'must be an object',
      );
      expectBadRequest(
        await searchSubjects({ ...whoMayAudit(), resource: { type: ledgers } }),
        'resource.id',
        'must be a string',
      );
      expectBadRequest(
        await searchSubjects({ ...whoMayAudit(), context: 'now' }),
        'context',
        'must be an object',
      );
      expectResults(
        await searchSubjects({
          ...whoMayAudit({ limit: 5, sort: 'desc' }),
          later: true,
          subject: { type: 'user', extra: 1 },
          action: { name: 'audit', extra: 2 },
          resource: { type: ledgers, id: 'l-1', extra: 3 },
        }),
        {
          results: sorted(holders).map((id) => ({ type: 'user', id })),
          page: { next_token: '', count: 5, total: 5 },
        },
      );
    });
  });

  describe('POST /access/v1/search/action', () => {
    it('lists the actions a user holds on the resource type, by name', async () => {
      expectResults(
        await searchActions({
          subject: { type: 'user', id: holders[0] },
          resource: { type: ledgers, id: 'l-1' },
          context: { time: '2026-01-01T00:00:00Z' },
        }),
        {
          results: [{ name: 'audit' }, { name: 'read' }],
          page: { next_token: '', count: 2, total: 2 },
        },
      );
    });

    it('pages with limit and next_token', async () => {
      const ask = (page: object) => ({
        subject: { type: 'client', id: service },
        resource: { type: ledgers, id: 'l-1' },
        page,
      });
      const first = await searchActions(ask({ limit: 1 }));
      const token = first.json().page.next_token;
      expectResults(first, {
        results: [{ name: 'audit' }],
        page: { next_token: token, count: 1, total: 2 },
      });
      expectResults(await searchActions(ask({ limit: 1, token })), {
        results: [{ name: 'read' }],
        page: { next_token: '', count: 1, total: 2 },
      });
      // A subject search's token does not continue an action search.
      const subjectToken = (await searchSubjects(whoMayAudit({ limit: 1 }))).json().page.next_token;
      expectBadRequest(
        await searchActions(ask({ token: subjectToken })),
        'page.token',
        'is not a next_token of this search',
      );
    });

    it('finds no action for a user without roles, an unknown or a disabled one', async () => {
      const none = { results: [], page: { next_token: '', count: 0, total: 0 } };
      const ask = (id: string) => ({
        subject: { type: 'user', id },
        resource: { type: ledgers, id: 'l-1' },
      });
      expectResults(await searchActions(ask(outsider)), none);
      expectResults(await searchActions(ask('00000000-0000-4000-8000-000000000000')), none);
      const user = await createUser(sut);
      await setUserRoles(sut, user.id, [auditor]);
      expect((await searchActions(ask(user.id))).json().page.total).toBe(2);
      await sut.admin('PATCH', `/admin/users/${user.id}`, { status: 'disabled' });
      expectResults(await searchActions(ask(user.id)), none);
    });

    it('requires subject {type, id} and resource {type, id}', async () => {
      expectBadRequest(
        await searchActions({ subject: { type: 'user' }, resource: { type: ledgers, id: 'l' } }),
        'subject.id',
        'must be a string',
      );
      expectBadRequest(
        await searchActions({ subject: { type: 'user', id: holders[0] } }),
        'resource',
        'must be an object',
      );
    });
  });

  describe('API docs', () => {
    it('documents both search routes with their request bodies', async () => {
      const document = (await sut.request({ method: 'GET', url: '/docs-json' })).json();
      for (const [path, body] of [
        ['/access/v1/search/subject', 'SubjectSearchRequest'],
        ['/access/v1/search/action', 'ActionSearchRequest'],
      ]) {
        const operation = document.paths[path].post;
        expect(operation.requestBody.content['application/json'].schema).toEqual({
          $ref: `#/components/schemas/${body}`,
        });
        expect(operation.security).toEqual([{ bearer: [] }]);
      }
      expect(document.components.schemas.SearchPage.properties.limit).toEqual({
        type: 'number',
        minimum: 1,
        maximum: 100,
        default: 50,
      });
      expect(document.paths).not.toHaveProperty('/access/v1/search/resource');
    });
  });

  describe('authentication and transport (§10, §11)', () => {
    it('answers 401 without a token, and to a sender-constrained one', async () => {
      const bare = await searchSubjects(whoMayAudit(), { token: null });
      expect({
        status: bare.statusCode,
        body: bare.json(),
        challenge: bare.headers['www-authenticate'],
      }).toEqual({
        status: 401,
        body: { error: 'unauthorized', message: 'a Bearer access token is required' },
        challenge: 'Bearer realm="gatehouse"',
      });
      const claims = JSON.parse(Buffer.from(checker.split('.')[1], 'base64url').toString());
      const bound = await signWithServerKey(sut, {
        ...claims,
        jti: `${claims.jti}-bound`,
        cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' },
      });
      const garbage = await searchActions({}, { token: 'garbage' });
      for (const refused of [
        await searchSubjects(whoMayAudit(), { token: bound }),
        await searchActions(
          { subject: { type: 'user', id: holders[0] }, resource: { type: ledgers, id: 'l' } },
          { token: bound },
        ),
      ]) {
        expect({
          status: refused.statusCode,
          body: refused.json(),
          challenge: refused.headers['www-authenticate'],
        }).toEqual({
          status: 401,
          body: garbage.json(),
          challenge: garbage.headers['www-authenticate'],
        });
      }
      expect(garbage.statusCode).toBe(401);
    });

    it('answers 403 to a token without iam:check', async () => {
      const operator = await clientToken(sut, await createService(sut, 'iam:admin'));
      const response = await searchActions(
        { subject: { type: 'user', id: holders[0] }, resource: { type: ledgers, id: 'l' } },
        { token: operator },
      );
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 403,
        body: {
          error: 'insufficient_scope',
          message: 'the access token lacks the iam:check scope',
        },
      });
    });

    it('needs a JSON object body', async () => {
      expect({
        status: (await searchSubjects([whoMayAudit()])).statusCode,
        body: (await searchSubjects([whoMayAudit()])).json(),
      }).toEqual({
        status: 400,
        body: { error: 'invalid_request', message: 'the body must be a JSON object' },
      });
      const text = await sut.request({
        method: 'POST',
        url: '/access/v1/search/action',
        headers: { 'content-type': 'text/plain', authorization: `Bearer ${checker}` },
        payload: '{}',
      });
      expect({ status: text.statusCode, body: text.json() }).toEqual({
        status: 400,
        body: { error: 'invalid_request', message: 'the request must be application/json' },
      });
    });

    it('echoes X-Request-ID on answers and errors', async () => {
      const id = 'bfe9eb29-ab87-4ca3-be83-a1d5d8305716';
      const ok = await searchSubjects(whoMayAudit(), { headers: { 'x-request-id': id } });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-request-id']).toBe(id);
      const bad = await searchActions({}, { headers: { 'x-request-id': 'req-400' } });
      expect(bad.statusCode).toBe(400);
      expect(bad.headers['x-request-id']).toBe('req-400');
      const anonymous = await searchActions(
        {},
        { token: null, headers: { 'x-request-id': 'req-401' } },
      );
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.headers['x-request-id']).toBe('req-401');
    });
  });

  it('drops a client whose roles are taken away, and lists it again when they are given back', async () => {
    await setClientRoles(sut, service, []);
    expectResults(await searchSubjects({ ...whoMayAudit(), subject: { type: 'client' } }), {
      results: [],
      page: { next_token: '', count: 0, total: 0 },
    });
    await setClientRoles(sut, service, [auditor]);
    expectResults(await searchSubjects({ ...whoMayAudit(), subject: { type: 'client' } }), {
      results: [{ type: 'client', id: service }],
      page: { next_token: '', count: 1, total: 1 },
    });
  });
});

// Two server processes on one PostgreSQL database (LISTEN/NOTIFY; PGlite is one process).
describe(
  'AuthZEN search across processes (on a PostgreSQL server)',
  { skip: NEEDS_POSTGRES_SERVER },
  () => {
    const apps = twoProcessesOnOneDatabase();

    it('a role given and taken away through one process shows in the other’s subject search within a second', async () => {
      const ledgers = unique('ledgers');
      const role = await createRole(apps.first, [`${ledgers}:audit`]);
      const user = await createUser(apps.first);
      const checker = await clientToken(apps.second, await createService(apps.first, 'iam:check'));
      const ids = async () => {
        const response = await apps.second.request({
          method: 'POST',
          url: '/access/v1/search/subject',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${checker}` },
          payload: {
            subject: { type: 'user' },
            action: { name: 'audit' },
            resource: { type: ledgers, id: 'l-1' },
          },
        });
        expect(response.statusCode).toBe(200);
        return response.json().results.map((result: { id: string }) => result.id);
      };
      expect(await ids()).toEqual([]);
      await setUserRoles(apps.first, user.id, [role]);
      expect(await within(1000, async () => (await ids()).includes(user.id))).toBe(true);
      await setUserRoles(apps.first, user.id, []);
      expect(await within(1000, async () => (await ids()).length === 0)).toBe(true);
    });
  },
);
