import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import {
  check,
  createRole,
  createRule,
  createService,
  gateway,
  requestClientToken,
  unique,
} from './support/access';
import { TestClock } from './support/clock';
import { InjectResult, startTestApp, TestApp } from './support/test-app';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const PUBLISH_AHEAD_SECONDS = 120;

function expectInvalid(response: InjectResult, field: string, problem: string) {
  expect({ status: response.statusCode, body: response.json() }).toEqual({
    status: 400,
    body: {
      error: 'invalid_request',
      message: `${field}: ${problem}`,
      details: [{ field, problem }],
    },
  });
}

function expectNotFound(response: InjectResult, what: string) {
  expect({ status: response.statusCode, body: response.json() }).toEqual({
    status: 404,
    body: { error: 'not_found', message: `${what} not found` },
  });
}

interface KeyItem {
  kid: string;
  alg: string;
  state: string;
  created_at: string;
  activates_at: string | null;
  retires_at: string | null;
}

describe('admin API additions for the console (docs/endpoints.md, Admin API)', () => {
  let sut: TestApp;
  const clock = new TestClock();
  before(async () => {
    sut = await startTestApp({ KEY_PUBLISH_AHEAD: String(PUBLISH_AHEAD_SECONDS) }, { clock });
  });
  after(() => sut.close());

  describe('PATCH /admin/access-rules/{id}', () => {
    it('changes the fields it names, keeps the others, and answers 200 with the rule', async () => {
      const path = `/${unique('patch')}/**`;
      const id = await createRule(sut, {
        methods: ['GET'],
        path,
        permission: 'invoices:read',
        scopes: ['invoices'],
        audience: 'https://api.example.com',
      });
      const response = await sut.admin('PATCH', `/admin/access-rules/${id}`, {
        methods: ['GET', 'POST'],
        permission: 'invoices:write',
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        id,
        methods: ['GET', 'POST'],
        path,
        permission: 'invoices:write',
        scopes: ['invoices'],
        audience: 'https://api.example.com',
        anonymous: false,
        condition: null,
        created_at: expect.stringMatching(ISO_DATE),
      });
      const listed = (await sut.admin('GET', '/admin/access-rules?limit=200'))
        .json<{ id: string; permission: string }[]>()
        .find((rule) => rule.id === id);
      expect(listed?.permission).toBe('invoices:write');
    });

    it('clears permission, audience and condition with null, and empties lists with null', async () => {
      const id = await createRule(sut, {
        methods: ['GET'],
        path: `/${unique('clear')}/{id}`,
        permission: 'docs:read',
        scopes: ['docs'],
        audience: 'https://docs.example.com',
        condition: 'request.params.id == subject.id',
      });
      const response = await sut.admin('PATCH', `/admin/access-rules/${id}`, {
        methods: null,
        permission: null,
        scopes: null,
        audience: null,
        condition: null,
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        methods: [],
        permission: null,
        scopes: [],
        audience: null,
        condition: null,
      });
    });

    it('checks the rule that results as create does: path, anonymous, condition, syntax', async () => {
      const id = await createRule(sut, { path: `/${unique('checked')}`, permission: 'a:b' });
      const patch = (body: object) => sut.admin('PATCH', `/admin/access-rules/${id}`, body);
      expectInvalid(
        await patch({ anonymous: true }),
        'anonymous',
        'an anonymous rule cannot also require a permission or scopes',
      );
      expectInvalid(await patch({ permission: 'read' }), 'permission', 'must be resource:action');
      expectInvalid(
        await patch({ condition: 'subject.id ==' }),
        'condition',
        'Unexpected token: EOF (line 1, column 14)',
      );
      const path = await patch({ path: 'no-slash' });
      expect(path.statusCode).toBe(400);
      expect(path.json().details[0].field).toBe('path');
      expectInvalid(
        await patch({ permission: null, anonymous: true, condition: 'true' }),
        'condition',
        'an anonymous rule has no subject to judge',
      );
      const methods = await patch({ methods: ['FETCH'] });
      expect(methods.statusCode).toBe(400);
      expect(methods.json().details[0].field).toBe('methods');
      const unknownField = await patch({ colour: 'blue' });
      expect(unknownField.statusCode).toBe(400);
      // Nothing changed.
      const rule = (await sut.admin('GET', '/admin/access-rules?limit=200'))
        .json<{ id: string }[]>()
        .find((item) => item.id === id);
      expect(rule).toMatchObject({ permission: 'a:b', anonymous: false, condition: null });
    });

    it('answers 404 for an unknown id and for one that is not a UUID', async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      expectNotFound(
        await sut.admin('PATCH', `/admin/access-rules/${missing}`, { path: '/x' }),
        `access rule ${missing}`,
      );
      expectNotFound(
        await sut.admin('PATCH', '/admin/access-rules/not-a-uuid', { path: '/x' }),
        'access rule not-a-uuid',
      );
    });

    it('is applied by the gateway at once, and audited with the rule before and after', async () => {
      const path = `/${unique('open')}`;
      const id = await createRule(sut, { path, permission: 'open:read' });
      const before = await gateway(sut, { method: 'GET', uri: path });
      expect(before.statusCode).toBe(401);
      const patched = await sut.admin('PATCH', `/admin/access-rules/${id}`, {
        permission: null,
        anonymous: true,
      });
      expect(patched.statusCode).toBe(200);
      const afterPatch = await gateway(sut, { method: 'GET', uri: path });
      expect(afterPatch.statusCode).toBe(200);

      const events = await sut.admin(
        'GET',
        `/admin/audit-events?type=access_rule.updated&target_id=${id}`,
      );
      expect(events.statusCode).toBe(200);
      expect(events.json()).toEqual([
        expect.objectContaining({
          type: 'access_rule.updated',
          outcome: 'success',
          target: { type: 'access_rule', id },
          details: {
            before: expect.objectContaining({ path, permission: 'open:read', anonymous: false }),
            after: expect.objectContaining({ path, permission: null, anonymous: true }),
          },
        }),
      ]);
    });
  });

  describe('GET /admin/overview', () => {
    it('counts clients, users, roles and access rules as the lists total them', async () => {
      await createRole(sut, ['reports:view']);
      const response = await sut.admin('GET', '/admin/overview');
      expect(response.statusCode).toBe(200);
      const total = async (url: string) =>
        Number((await sut.admin('GET', `${url}?limit=1`)).headers['x-total-count']);
      expect(response.json().counts).toEqual({
        clients: await total('/admin/clients'),
        users: await total('/admin/users'),
        roles: await total('/admin/roles'),
        access_rules: await total('/admin/access-rules'),
      });
      expect(response.json().counts.roles).toBeGreaterThan(0);
    });

    it('lists denials newest first with the reason, surface, method and path without its query', async () => {
      const beforeView = (await sut.admin('GET', '/admin/overview')).json();
      const path = `/${unique('denied')}`;
      await createRule(sut, { path, permission: 'x:y' });
      expect((await gateway(sut, { method: 'DELETE', uri: `${path}?secret=1` })).statusCode).toBe(
        401,
      );
      expect((await check(sut, undefined, 'reports', 'view')).json().reason).toBe('token_missing');
      const response = await sut.admin('GET', '/admin/overview');
      const { denials } = response.json();
      expect(denials.since).toMatch(ISO_DATE);
      expect(denials.since).toBe(beforeView.denials.since);
      expect(denials.latest.slice(0, 2)).toEqual([
        {
          at: expect.stringMatching(ISO_DATE),
          reason: 'token_missing',
          surface: 'check',
          method: null,
          path: null,
          sub: null,
          client_id: null,
        },
        {
          at: expect.stringMatching(ISO_DATE),
          reason: 'token_missing',
          surface: 'gateway',
          method: 'DELETE',
          path,
          sub: null,
          client_id: null,
        },
      ]);
      const count = (view: { denials: { by_reason: { reason: string; count: number }[] } }) =>
        view.denials.by_reason.find((item) => item.reason === 'token_missing')?.count ?? 0;
      expect(count(response.json())).toBe(count(beforeView) + 2);
      const counts = denials.by_reason.map((item: { count: number }) => item.count);
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
    });

    it('names the subject and client of a denied token, and keeps at most 50', async () => {
      const service = await createService(sut, 'reports:view');
      const token = (await requestClientToken(sut, service)).json().access_token as string;
      for (let round = 0; round < 51; round++) await check(sut, token, 'reports', 'view');
      const { denials } = (await sut.admin('GET', '/admin/overview')).json();
      expect(denials.latest).toHaveLength(50);
      expect(denials.latest[0]).toMatchObject({
        surface: 'check',
        sub: service.client_id,
        client_id: service.client_id,
      });
      expect(['insufficient_scope', 'permission_denied']).toContain(denials.latest[0].reason);
    });
  });

  describe('GET /admin/keys', () => {
    it("lists each algorithm's key as current, then the rotation as next and retired", async () => {
      const first = await sut.admin('GET', '/admin/keys');
      expect(first.statusCode).toBe(200);
      const initial = first.json<KeyItem[]>();
      expect(initial.map((key) => [key.alg, key.state])).toEqual([
        ['ES256', 'current'],
        ['EdDSA', 'current'],
        ['RS256', 'current'],
      ]);
      for (const key of initial) {
        expect(Object.keys(key).sort()).toEqual(
          ['activates_at', 'alg', 'created_at', 'kid', 'retires_at', 'state'].sort(),
        );
        expect(key).toMatchObject({
          created_at: expect.stringMatching(ISO_DATE),
          activates_at: expect.stringMatching(ISO_DATE),
          retires_at: null,
        });
      }

      const rotated = await sut.admin('POST', '/admin/keys/rotate');
      expect(rotated.statusCode).toBe(200);
      const signsFrom = rotated.json().keys[0].signs_from as string;
      const during = (await sut.admin('GET', '/admin/keys')).json<KeyItem[]>();
      expect(during.map((key) => [key.alg, key.state])).toEqual([
        ['ES256', 'next'],
        ['ES256', 'current'],
        ['EdDSA', 'next'],
        ['EdDSA', 'current'],
        ['RS256', 'next'],
        ['RS256', 'current'],
      ]);
      for (const key of during.filter((item) => item.state === 'next'))
        expect(key).toMatchObject({ activates_at: signsFrom, retires_at: null });
      for (const key of during.filter((item) => item.state === 'current')) {
        expect(initial.map((item) => item.kid)).toContain(key.kid);
        expect(key.retires_at).toBe(signsFrom);
      }

      clock.advanceTo(Date.parse(signsFrom) + 1);
      const afterSwitch = (await sut.admin('GET', '/admin/keys')).json<KeyItem[]>();
      expect(afterSwitch.map((key) => [key.alg, key.state])).toEqual([
        ['ES256', 'current'],
        ['ES256', 'retired'],
        ['EdDSA', 'current'],
        ['EdDSA', 'retired'],
        ['RS256', 'current'],
        ['RS256', 'retired'],
      ]);
      expect(JSON.stringify(afterSwitch)).not.toMatch(/private|"d"|"x"|"n"|jwk/i);
    });
  });

  describe('authorization', () => {
    const routes: Array<[string, string, object?]> = [
      ['PATCH', '/admin/access-rules/00000000-0000-4000-8000-000000000000', { path: '/x' }],
      ['GET', '/admin/overview'],
      ['GET', '/admin/keys'],
    ];

    it('answers 401 without a token', async () => {
      for (const [method, url, payload] of routes) {
        const response = await sut.request({
          method,
          url,
          payload,
          headers: payload ? { 'content-type': 'application/json' } : {},
        });
        expect({
          route: `${method} ${url}`,
          status: response.statusCode,
          body: response.json(),
        }).toEqual({
          route: `${method} ${url}`,
          status: 401,
          body: { error: 'unauthorized', message: 'a Bearer access token is required' },
        });
      }
    });

    it('answers 403 to a token without iam:admin', async () => {
      const checker = await createService(sut, 'iam:check');
      const token = (await requestClientToken(sut, checker)).json().access_token as string;
      for (const [method, url, payload] of routes) {
        const response = await sut.request({
          method,
          url,
          payload,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload ? { 'content-type': 'application/json' } : {}),
          },
        });
        expect({
          route: `${method} ${url}`,
          status: response.statusCode,
          body: response.json(),
        }).toEqual({
          route: `${method} ${url}`,
          status: 403,
          body: {
            error: 'insufficient_scope',
            message: 'the access token lacks the iam:admin scope',
          },
        });
      }
    });
  });
});
