import { expect } from 'expect';
import { decodeJwt } from 'jose';
import { after, before, describe, it } from 'node:test';
import {
  createRole,
  createRule,
  createService,
  holds,
  requestClientToken,
  setUserRoles,
  unique,
  UUID,
} from './support/access';
import { createClient, createUser, refresh, signInForTokens } from './support/code-flow';
import { InjectResult, startTestApp, TestApp } from './support/test-app';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function expectInvalid(response: InjectResult, details: Array<{ field: string; problem: string }>) {
  expect({ status: response.statusCode, body: response.json() }).toEqual({
    status: 400,
    body: {
      error: 'invalid_request',
      message: `${details[0].field}: ${details[0].problem}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`,
      details,
    },
  });
}

function expectNotFound(response: InjectResult, what: string) {
  expect({ status: response.statusCode, body: response.json() }).toEqual({
    status: 404,
    body: { error: 'not_found', message: `${what} not found` },
  });
}

describe('admin API for roles, role assignments and access rules (docs/endpoints.md, Admin API)', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp();
  });
  after(() => sut.close());

  describe('roles', () => {
    it('creates a role: 201 with name, description, permissions and timestamps', async () => {
      const name = unique('billing');
      const response = await sut.admin('POST', '/admin/roles', {
        name,
        description: 'Reads and writes invoices',
        permissions: ['invoices:read', 'invoices:write'],
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toEqual({
        name,
        description: 'Reads and writes invoices',
        permissions: ['invoices:read', 'invoices:write'],
        conditions: {},
        created_at: expect.stringMatching(ISO_DATE),
        updated_at: expect.stringMatching(ISO_DATE),
      });
    });

    it('stores no description as null, and an empty permission list as []', async () => {
      const name = unique('empty');
      const response = await sut.admin('POST', '/admin/roles', { name, permissions: [] });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({ name, description: null, permissions: [] });
    });

    it('reads a role by name, and answers 404 for an unknown one', async () => {
      const name = await createRole(sut, ['reports:view']);
      const read = await sut.admin('GET', `/admin/roles/${name}`);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ name, permissions: ['reports:view'] });
      expectNotFound(await sut.admin('GET', '/admin/roles/no-such-role'), 'role no-such-role');
    });

    it('lists roles by name with X-Total-Count, honouring limit and offset', async () => {
      const before = await sut.admin('GET', '/admin/roles?limit=200');
      const total = Number(before.headers['x-total-count']);
      const prefix = unique('list');
      for (const suffix of ['c', 'a', 'b']) await createRole(sut, [], `${prefix}-${suffix}`);

      const all = await sut.admin('GET', '/admin/roles?limit=200');
      expect(all.statusCode).toBe(200);
      expect(all.headers['x-total-count']).toBe(String(total + 3));
      const names = all.json<Array<{ name: string }>>().map((role) => role.name);
      expect(names).toEqual([...names].sort());
      expect(names.filter((name) => name.startsWith(prefix))).toEqual([
        `${prefix}-a`,
        `${prefix}-b`,
        `${prefix}-c`,
      ]);

      const page = await sut.admin('GET', '/admin/roles?limit=1&offset=1');
      expect(page.json()).toEqual([all.json<unknown[]>()[1]]);
      expect(page.headers['x-total-count']).toBe(String(total + 3));
    });

    it('refuses a second role of the same name with 409', async () => {
      const name = await createRole(sut, ['invoices:read']);
      const response = await sut.admin('POST', '/admin/roles', { name, permissions: [] });
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 409,
        body: { error: 'conflict', message: `the role ${name} exists` },
      });
    });

    it('answers 400 naming permissions for a permission that is not resource:action', async () => {
      for (const bad of ['invoices', 'invoices:', ':read', 'invoices:read:all', 'in voices:read']) {
        expectInvalid(
          await sut.admin('POST', '/admin/roles', { name: unique('bad'), permissions: [bad] }),
          [{ field: 'permissions', problem: 'each must be resource:action' }],
        );
      }
    });

    it('answers 400 naming name for a bad role name, and permissions when they are missing', async () => {
      expectInvalid(
        await sut.admin('POST', '/admin/roles', { name: 'has space', permissions: [] }),
        [{ field: 'name', problem: 'must be 1 to 100 letters, digits or _ . : -' }],
      );
      expectInvalid(
        await sut.admin('POST', '/admin/roles', { name: 'x'.repeat(101), permissions: [] }),
        [{ field: 'name', problem: 'must be 1 to 100 letters, digits or _ . : -' }],
      );
      const missing = await sut.admin('POST', '/admin/roles', { name: unique('none') });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().details).toContainEqual({
        field: 'permissions',
        problem: 'must be an array',
      });
    });

    it('changes description and permissions with PATCH, never the name', async () => {
      const name = await createRole(sut, ['invoices:read']);
      const patched = await sut.admin('PATCH', `/admin/roles/${name}`, {
        description: 'now writes too',
        permissions: ['invoices:read', 'invoices:write'],
      });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({
        name,
        description: 'now writes too',
        permissions: ['invoices:read', 'invoices:write'],
      });
      expect((await sut.admin('GET', `/admin/roles/${name}`)).json()).toEqual(patched.json());

      const rename = await sut.admin('PATCH', `/admin/roles/${name}`, { name: 'other' });
      expectInvalid(rename, [{ field: 'name', problem: 'should not exist' }]);
      expectInvalid(await sut.admin('PATCH', `/admin/roles/${name}`, { permissions: ['x'] }), [
        { field: 'permissions', problem: 'each must be resource:action' },
      ]);
      expectNotFound(
        await sut.admin('PATCH', '/admin/roles/no-such-role', { permissions: [] }),
        'role no-such-role',
      );
    });

    it('deletes a role with 204; then it is 404, and its holders lose its permissions', async () => {
      const name = await createRole(sut, ['ledger:close']);
      const service = await createService(sut, 'ledger:close', [name]);
      const subject = { type: 'client' as const, id: service.client_id };
      expect(await holds(sut, subject, 'ledger:close')).toBe(true);

      const deleted = await sut.admin('DELETE', `/admin/roles/${name}`);
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');
      expectNotFound(await sut.admin('GET', `/admin/roles/${name}`), `role ${name}`);
      expectNotFound(await sut.admin('DELETE', `/admin/roles/${name}`), `role ${name}`);
      expect(await holds(sut, subject, 'ledger:close')).toBe(false);
    });
  });

  describe('role assignments', () => {
    it('replaces a user’s roles and answers them sorted', async () => {
      const reader = await createRole(sut, ['invoices:read'], unique('b-reader'));
      const writer = await createRole(sut, ['invoices:write'], unique('a-writer'));
      const user = await createUser(sut);
      const subject = { type: 'user' as const, id: user.id };

      const both = await sut.admin('PUT', `/admin/users/${user.id}/roles`, {
        roles: [reader, writer],
      });
      expect(both.statusCode).toBe(200);
      expect(both.json()).toEqual({ roles: [writer, reader] });
      expect(await holds(sut, subject, 'invoices:read')).toBe(true);
      expect(await holds(sut, subject, 'invoices:write')).toBe(true);

      const one = await sut.admin('PUT', `/admin/users/${user.id}/roles`, { roles: [writer] });
      expect(one.json()).toEqual({ roles: [writer] });
      expect(await holds(sut, subject, 'invoices:read')).toBe(false);
      expect(await holds(sut, subject, 'invoices:write')).toBe(true);

      const none = await sut.admin('PUT', `/admin/users/${user.id}/roles`, { roles: [] });
      expect(none.json()).toEqual({ roles: [] });
      expect(await holds(sut, subject, 'invoices:write')).toBe(false);
    });

    it('replaces a client’s roles', async () => {
      const reader = await createRole(sut, ['invoices:read']);
      const writer = await createRole(sut, ['invoices:write']);
      const service = await createService(sut, 'invoices:read invoices:write', [reader]);
      const subject = { type: 'client' as const, id: service.client_id };
      expect(await holds(sut, subject, 'invoices:read')).toBe(true);

      const replaced = await sut.admin('PUT', `/admin/clients/${service.client_id}/roles`, {
        roles: [writer],
      });
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json()).toEqual({ roles: [writer] });
      expect(await holds(sut, subject, 'invoices:read')).toBe(false);
      expect(await holds(sut, subject, 'invoices:write')).toBe(true);
    });

    it('answers 400 naming roles[i] for an unknown role, and changes nothing', async () => {
      const reader = await createRole(sut, ['invoices:read']);
      const user = await createUser(sut);
      await setUserRoles(sut, user.id, [reader]);

      const response = await sut.admin('PUT', `/admin/users/${user.id}/roles`, {
        roles: ['ghost', reader, 'phantom'],
      });
      expectInvalid(response, [
        { field: 'roles[0]', problem: 'no role named ghost' },
        { field: 'roles[2]', problem: 'no role named phantom' },
      ]);
      expect(await holds(sut, { type: 'user', id: user.id }, 'invoices:read')).toBe(true);

      const service = await createService(sut, 'a');
      expectInvalid(
        await sut.admin('PUT', `/admin/clients/${service.client_id}/roles`, {
          roles: [reader, 'ghost'],
        }),
        [{ field: 'roles[1]', problem: 'no role named ghost' }],
      );
    });

    it('answers 400 for a malformed roles body', async () => {
      const user = await createUser(sut);
      expectInvalid(await sut.admin('PUT', `/admin/users/${user.id}/roles`, { roles: ['a b'] }), [
        { field: 'roles', problem: 'each must be a role name' },
      ]);
      const notArray = await sut.admin('PUT', `/admin/users/${user.id}/roles`, { roles: 'a' });
      expect(notArray.statusCode).toBe(400);
      expect(notArray.json().details).toContainEqual({
        field: 'roles',
        problem: 'must be an array',
      });
    });

    it('answers 404 for an unknown user or client', async () => {
      const missingUser = '00000000-0000-4000-8000-000000000000';
      expectNotFound(
        await sut.admin('PUT', `/admin/users/${missingUser}/roles`, { roles: [] }),
        `user ${missingUser}`,
      );
      expectNotFound(
        await sut.admin('PUT', '/admin/users/not-a-uuid/roles', { roles: [] }),
        'user not-a-uuid',
      );
      expectNotFound(
        await sut.admin('PUT', '/admin/clients/no-such-client/roles', { roles: [] }),
        'client no-such-client',
      );
    });
  });

  describe('access rules', () => {
    it('creates a rule: 201 with every field, defaults filled in', async () => {
      const full = await sut.admin('POST', '/admin/access-rules', {
        methods: ['GET', 'HEAD'],
        path: '/invoices/*/lines/**',
        permission: 'invoices:read',
        scopes: ['billing'],
        audience: 'https://api.example.com',
      });
      expect(full.statusCode).toBe(201);
      expect(full.json()).toEqual({
        id: expect.stringMatching(UUID),
        methods: ['GET', 'HEAD'],
        path: '/invoices/*/lines/**',
        permission: 'invoices:read',
        scopes: ['billing'],
        audience: 'https://api.example.com',
        anonymous: false,
        condition: null,
        created_at: expect.stringMatching(ISO_DATE),
      });

      const minimal = await sut.admin('POST', '/admin/access-rules', { path: '/status' });
      expect(minimal.statusCode).toBe(201);
      expect(minimal.json()).toEqual({
        id: expect.stringMatching(UUID),
        methods: [],
        path: '/status',
        permission: null,
        scopes: [],
        audience: null,
        anonymous: false,
        condition: null,
        created_at: expect.stringMatching(ISO_DATE),
      });

      const open = await sut.admin('POST', '/admin/access-rules', {
        path: '/public/**',
        anonymous: true,
      });
      expect(open.statusCode).toBe(201);
      expect(open.json()).toMatchObject({ anonymous: true, permission: null });
    });

    it('lists rules in creation order with X-Total-Count', async () => {
      const before = Number(
        (await sut.admin('GET', '/admin/access-rules?limit=200')).headers['x-total-count'],
      );
      const first = await createRule(sut, { path: `/${unique('first')}` });
      const second = await createRule(sut, { path: `/${unique('second')}` });
      const list = await sut.admin('GET', '/admin/access-rules?limit=200');
      expect(list.statusCode).toBe(200);
      expect(list.headers['x-total-count']).toBe(String(before + 2));
      const ids = list.json<Array<{ id: string }>>().map((rule) => rule.id);
      expect(ids.slice(-2)).toEqual([first, second]);
      const page = await sut.admin('GET', `/admin/access-rules?limit=1&offset=${before + 1}`);
      expect(page.json<Array<{ id: string }>>().map((rule) => rule.id)).toEqual([second]);
    });

    it('deletes a rule with 204, then 404; an id that is no uuid is 404', async () => {
      const id = await createRule(sut, { path: `/${unique('doomed')}` });
      const deleted = await sut.admin('DELETE', `/admin/access-rules/${id}`);
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');
      expectNotFound(await sut.admin('DELETE', `/admin/access-rules/${id}`), `access rule ${id}`);
      expect(
        (await sut.admin('GET', '/admin/access-rules?limit=200'))
          .json<Array<{ id: string }>>()
          .map((rule) => rule.id),
      ).not.toContain(id);
      expectNotFound(
        await sut.admin('DELETE', '/admin/access-rules/not-a-uuid'),
        'access rule not-a-uuid',
      );
    });

    it('answers 400 naming path for a bad path pattern', async () => {
      const cases: Array<[string, string]> = [
        ['invoices/**', 'must start with /'],
        ['/in*voices', 'a wildcard must be a whole segment: * or **'],
        ['/invoices/***', 'a wildcard must be a whole segment: * or **'],
        ['/a/../b', 'must not contain . or .. segments'],
        ['/a/./b', 'must not contain . or .. segments'],
        ['/a?b=c', 'must not contain a query, fragment or whitespace'],
        ['/a#b', 'must not contain a query, fragment or whitespace'],
        ['/a b', 'must not contain a query, fragment or whitespace'],
      ];
      for (const [path, problem] of cases) {
        expectInvalid(await sut.admin('POST', '/admin/access-rules', { path }), [
          { field: 'path', problem },
        ]);
      }
    });

    it('answers 400 for an anonymous rule that also asks for a permission or scopes', async () => {
      for (const extra of [{ permission: 'invoices:read' }, { scopes: ['billing'] }]) {
        expectInvalid(
          await sut.admin('POST', '/admin/access-rules', {
            path: '/x',
            anonymous: true,
            ...extra,
          }),
          [
            {
              field: 'anonymous',
              problem: 'an anonymous rule cannot also require a permission or scopes',
            },
          ],
        );
      }
    });

    it('answers 400 naming the field for a bad method, permission or missing path', async () => {
      const method = await sut.admin('POST', '/admin/access-rules', {
        path: '/x',
        methods: ['FETCH'],
      });
      expect(method.statusCode).toBe(400);
      expect(method.json().details).toEqual([
        {
          field: 'methods',
          problem:
            'each value in methods must be one of the following values: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
        },
      ]);
      expectInvalid(
        await sut.admin('POST', '/admin/access-rules', { path: '/x', permission: 'read' }),
        [{ field: 'permission', problem: 'must be resource:action' }],
      );
      const noPath = await sut.admin('POST', '/admin/access-rules', { methods: ['GET'] });
      expect(noPath.statusCode).toBe(400);
      expect(noPath.json().details).toContainEqual({
        field: 'path',
        problem: 'must be a string',
      });
    });
  });

  describe('authentication (docs/endpoints.md, Admin API)', () => {
    const routes: Array<[string, string, object?]> = [
      ['POST', '/admin/roles', { name: 'x', permissions: [] }],
      ['GET', '/admin/roles'],
      ['GET', '/admin/roles/x'],
      ['PATCH', '/admin/roles/x', { permissions: [] }],
      ['DELETE', '/admin/roles/x'],
      ['PUT', '/admin/users/00000000-0000-4000-8000-000000000000/roles', { roles: [] }],
      ['PUT', '/admin/clients/x/roles', { roles: [] }],
      ['POST', '/admin/access-rules', { path: '/x' }],
      ['GET', '/admin/access-rules'],
      ['DELETE', '/admin/access-rules/00000000-0000-4000-8000-000000000000'],
    ];

    it('answers 401 without a token and with a bad one', async () => {
      for (const [method, url, payload] of routes) {
        const json: Record<string, string> = payload ? { 'content-type': 'application/json' } : {};
        const none = await sut.request({ method, url, payload, headers: json });
        expect({ route: `${method} ${url}`, status: none.statusCode }).toEqual({
          route: `${method} ${url}`,
          status: 401,
        });
        expect(none.json()).toEqual({
          error: 'unauthorized',
          message: 'a Bearer access token is required',
        });
        const bad = await sut.request({
          method,
          url,
          payload,
          headers: { ...json, authorization: 'Bearer not.a.token' },
        });
        expect(bad.statusCode).toBe(401);
        expect(bad.json().error).toBe('invalid_token');
      }
    });

    it('answers 403 to a token without iam:admin, even one with iam:check', async () => {
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
        expect({ route: `${method} ${url}`, status: response.statusCode }).toEqual({
          route: `${method} ${url}`,
          status: 403,
        });
        expect(response.json()).toEqual({
          error: 'insufficient_scope',
          message: 'the access token lacks the iam:admin scope',
        });
      }
    });
  });

  describe('issuance: permission-shaped scopes only for subjects that hold them (docs/access.md)', () => {
    it('grants invoices:read to a client_credentials token only when a role holds it', async () => {
      const reader = await createRole(sut, ['invoices:read']);
      const holder = await createService(sut, 'invoices:read invoices:write reports', [reader]);
      const stranger = await createService(sut, 'invoices:read invoices:write reports');

      const granted = await requestClientToken(sut, holder, {
        scope: 'invoices:read invoices:write reports',
      });
      expect(granted.statusCode).toBe(200);
      expect(granted.json()).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'invoices:read reports',
      });
      expect(decodeJwt(granted.json().access_token).scope).toBe('invoices:read reports');

      const refused = await requestClientToken(sut, stranger, {
        scope: 'invoices:read invoices:write reports',
      });
      expect(refused.statusCode).toBe(200);
      expect(refused.json().scope).toBe('reports');
      expect(decodeJwt(refused.json().access_token).scope).toBe('reports');
    });

    it('filters the registered scopes the same way when no scope is asked for', async () => {
      const reader = await createRole(sut, ['invoices:read']);
      const holder = await createService(sut, 'invoices:read invoices:write', [reader]);
      const response = await requestClientToken(sut, holder);
      expect(response.json().scope).toBe('invoices:read');
    });

    it('grants nothing permission-shaped to a subject without roles, and says so in scope', async () => {
      const stranger = await createService(sut, 'invoices:read');
      const response = await requestClientToken(sut, stranger, { scope: 'invoices:read' });
      expect(response.statusCode).toBe(200);
      expect(response.json().scope).toBe('');
      expect(decodeJwt(response.json().access_token).scope).toBe('');
    });

    it('leaves iam:admin and iam:check to client registration, not roles', async () => {
      const operator = await createService(sut, 'iam:admin iam:check invoices:read');
      const response = await requestClientToken(sut, operator);
      expect(response.json().scope).toBe('iam:admin iam:check');
    });

    it('still refuses a scope the client is not registered for, held or not (RFC 6749 §3.3)', async () => {
      const writer = await createRole(sut, ['invoices:write']);
      const service = await createService(sut, 'invoices:read', [writer]);
      const response = await requestClientToken(sut, service, { scope: 'invoices:write' });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('invalid_scope');
    });

    it('grants a user token invoices:read only when the user holds it, at every grant', async () => {
      const reader = await createRole(sut, ['invoices:read']);
      const client = await createClient(sut, {
        scope: 'openid offline_access invoices:read invoices:write',
      });
      const scope = 'openid offline_access invoices:read invoices:write';
      const holder = await createUser(sut);
      await setUserRoles(sut, holder.id, [reader]);
      const stranger = await createUser(sut);

      const held = await signInForTokens(sut, client, holder, { scope });
      expect(held.scope).toBe('openid offline_access invoices:read');
      expect(decodeJwt(held.access_token).scope).toBe('openid offline_access invoices:read');
      const unheld = await signInForTokens(sut, client, stranger, { scope });
      expect(unheld.scope).toBe('openid offline_access');

      // A refresh is a grant too: the role is gone, so is the permission.
      await setUserRoles(sut, holder.id, []);
      const refreshed = await refresh(sut, client, held.refresh_token!);
      expect(refreshed.statusCode).toBe(200);
      expect(refreshed.json().scope).toBe('openid offline_access');
      expect(decodeJwt(refreshed.json().access_token).scope).toBe('openid offline_access');

      // And given back, it is granted again on the next refresh.
      await setUserRoles(sut, holder.id, [reader]);
      const again = await refresh(sut, client, refreshed.json().refresh_token);
      expect(again.json().scope).toBe('openid offline_access invoices:read');
    });
  });
});
