import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import {
  clientToken,
  createRole,
  createRule,
  createService,
  expectGatewayAllowed,
  expectGatewayDenied,
  gateway,
  GatewayStyle,
  UUID,
} from './support/access';
import { InjectResult, startTestApp, TestApp } from './support/test-app';

const STYLES: GatewayStyle[] = ['nginx', 'caddy', 'envoy'];

describe('gateway forward-auth (nginx auth_request, Caddy forward_auth, Envoy ext_authz)', () => {
  let sut: TestApp;
  /** One token per permission, each from a client holding exactly that permission. */
  const tokens: Record<string, { token: string; clientId: string }> = {};

  before(async () => {
    sut = await startTestApp();
    await createRule(sut, { path: '/api/**', permission: 'api:use' });
    await createRule(sut, { path: '/api/*', permission: 'api:write' });
    await createRule(sut, { path: '/api/*', methods: ['GET', 'HEAD'], permission: 'api:read' });
    await createRule(sut, { path: '/api/export', permission: 'api:export' });
    await createRule(sut, { path: '/api/*/items/*', permission: 'api:items' });
    await createRule(sut, { path: '/public/**', anonymous: true });
    await createRule(sut, { path: '/admin/**', permission: 'admin:manage' });
    for (const permission of [
      'api:use',
      'api:write',
      'api:read',
      'api:export',
      'api:items',
      'admin:manage',
    ]) {
      const role = await createRole(sut, [permission]);
      const client = await createService(sut, permission, [role]);
      tokens[permission] = { token: await clientToken(sut, client), clientId: client.client_id };
    }
  });
  after(() => sut.close());

  const ask = (permission: string | undefined, method: string, uri: string, style?: GatewayStyle) =>
    gateway(sut, { token: permission && tokens[permission].token, method, uri, style });
  const allowedAs = (response: InjectResult, permission: string) =>
    expectGatewayAllowed(response, {
      sub: tokens[permission].clientId,
      clientId: tokens[permission].clientId,
      scope: permission,
    });

  describe('the three ways a gateway asks', () => {
    it('nginx: judges X-Original-Method and X-Original-URI, whatever the subrequest’s own', async () => {
      const response = await sut.request({
        method: 'GET',
        url: '/access/gateway',
        headers: {
          authorization: `Bearer ${tokens['api:write'].token}`,
          'x-original-method': 'POST',
          'x-original-uri': '/api/invoices?draft=1',
        },
      });
      allowedAs(response, 'api:write');
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('Caddy and Traefik: judges X-Forwarded-Method and X-Forwarded-Uri', async () => {
      const response = await sut.request({
        method: 'GET',
        url: '/access/gateway',
        headers: {
          authorization: `Bearer ${tokens['api:write'].token}`,
          'x-forwarded-method': 'DELETE',
          'x-forwarded-uri': '/api/invoices',
        },
      });
      allowedAs(response, 'api:write');
    });

    it('Envoy: judges the request’s own method and the path under /access/gateway', async () => {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        allowedAs(await ask('api:write', method, '/api/invoices', 'envoy'), 'api:write');
      }
      allowedAs(await ask('api:read', 'GET', '/api/invoices?x=1', 'envoy'), 'api:read');
      expectGatewayDenied(
        await ask('api:read', 'POST', '/api/invoices', 'envoy'),
        'insufficient_scope',
      );
    });

    it('never reads X-Original-* or X-Forwarded-* in the path form, and refuses both URIs at once', async () => {
      const spoofed = {
        'x-original-method': 'GET',
        'x-original-uri': '/public/x',
        'x-forwarded-method': 'GET',
        'x-forwarded-uri': '/public/y',
      };
      for (const headers of <Record<string, string>[]>[
        spoofed,
        { 'x-original-uri': '/public/x' },
        { 'x-forwarded-uri': '/public/x' },
      ]) {
        const response = await sut.request({
          method: 'GET',
          url: '/access/gateway/admin/users',
          headers,
        });
        expectGatewayDenied(response, 'token_missing');
      }
      const both = await sut.request({ method: 'GET', url: '/access/gateway', headers: spoofed });
      expectGatewayDenied(both, 'path_rejected');
    });

    it('answers 200 with X-Auth-Subject, X-Auth-Client-Id, X-Auth-Scope and X-Decision-Id', async () => {
      for (const style of STYLES) {
        const response = await ask('api:read', 'GET', '/api/invoices', style);
        expect(response.statusCode).toBe(200);
        expect(response.headers).toMatchObject({
          'x-auth-subject': tokens['api:read'].clientId,
          'x-auth-client-id': tokens['api:read'].clientId,
          'x-auth-scope': 'api:read',
          'x-decision-id': expect.stringMatching(UUID),
        });
        expect(response.headers['www-authenticate']).toBeUndefined();
      }
    });

    it('answers 401 with a bare Bearer challenge for no token, with invalid_token for a bad one', async () => {
      for (const style of STYLES) {
        const none = await ask(undefined, 'GET', '/api/invoices', style);
        expect(none.statusCode).toBe(401);
        expect(none.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
        expect(none.json()).toEqual({
          allowed: false,
          reason: 'token_missing',
          decision_id: none.headers['x-decision-id'],
        });

        const bad = await gateway(sut, { token: 'nope', method: 'GET', uri: '/api/x', style });
        expect(bad.statusCode).toBe(401);
        expect(bad.headers['www-authenticate']).toBe(
          'Bearer realm="gatehouse", error="invalid_token"',
        );
        expect(bad.json()).toEqual({
          allowed: false,
          reason: 'token_invalid',
          decision_id: bad.headers['x-decision-id'],
        });
      }
    });

    it('answers 403 without a challenge when the token is good but not enough', async () => {
      for (const style of STYLES) {
        const response = await ask('api:read', 'GET', '/admin/users', style);
        expect(response.statusCode).toBe(403);
        expect(response.headers['www-authenticate']).toBeUndefined();
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(response.json()).toEqual({
          allowed: false,
          reason: 'insufficient_scope',
          decision_id: response.headers['x-decision-id'],
        });
      }
    });
  });

  describe('the most specific rule decides (docs/access.md)', () => {
    it('a literal segment beats *', async () => {
      allowedAs(await ask('api:export', 'GET', '/api/export'), 'api:export');
      allowedAs(await ask('api:export', 'POST', '/api/export'), 'api:export');
      expectGatewayDenied(await ask('api:read', 'GET', '/api/export'), 'insufficient_scope');
      expectGatewayDenied(await ask('api:export', 'GET', '/api/other'), 'insufficient_scope');
    });

    it('* beats **', async () => {
      allowedAs(await ask('api:read', 'GET', '/api/invoices'), 'api:read');
      expectGatewayDenied(await ask('api:use', 'GET', '/api/invoices'), 'insufficient_scope');
      allowedAs(await ask('api:use', 'GET', '/api/invoices/42'), 'api:use');
      expectGatewayDenied(await ask('api:read', 'GET', '/api/invoices/42'), 'insufficient_scope');
    });

    it('a rule naming the method beats one for any method', async () => {
      allowedAs(await ask('api:read', 'GET', '/api/invoices'), 'api:read');
      allowedAs(await ask('api:read', 'HEAD', '/api/invoices'), 'api:read');
      expectGatewayDenied(await ask('api:write', 'GET', '/api/invoices'), 'insufficient_scope');
      allowedAs(await ask('api:write', 'POST', '/api/invoices'), 'api:write');
      expectGatewayDenied(await ask('api:read', 'POST', '/api/invoices'), 'insufficient_scope');
    });

    it('matches methods whatever their case', async () => {
      allowedAs(await ask('api:read', 'get', '/api/invoices'), 'api:read');
    });

    it('** matches zero segments, and more; * exactly one', async () => {
      allowedAs(await ask('api:use', 'GET', '/api'), 'api:use');
      allowedAs(await ask('api:use', 'GET', '/api/a/b/c/d'), 'api:use');
      allowedAs(await ask('api:items', 'GET', '/api/invoices/items/7'), 'api:items');
      allowedAs(await ask('api:use', 'GET', '/api/invoices/items'), 'api:use');
      allowedAs(await ask('api:use', 'GET', '/api/invoices/items/7/notes'), 'api:use');
    });

    it('denies no_matching_rule outside every rule', async () => {
      expectGatewayDenied(await ask('api:use', 'GET', '/'), 'no_matching_rule');
      expectGatewayDenied(await ask('api:use', 'GET', '/apix'), 'no_matching_rule');
      expectGatewayDenied(await ask('api:use', 'GET', '/API/x'), 'no_matching_rule');
    });

    it('follows rules added and deleted at run time', async () => {
      expectGatewayDenied(await ask(undefined, 'GET', '/status'), 'no_matching_rule');
      const id = await createRule(sut, { path: '/status', methods: ['GET'], anonymous: true });
      expect((await ask(undefined, 'GET', '/status')).statusCode).toBe(200);
      expect((await sut.admin('DELETE', `/admin/access-rules/${id}`)).statusCode).toBe(204);
      expectGatewayDenied(await ask(undefined, 'GET', '/status'), 'no_matching_rule');
    });
  });

  describe('anonymous rules', () => {
    it('let a request through without a token, and name nobody', async () => {
      for (const style of STYLES) {
        const response = await ask(undefined, 'GET', '/public/logo.png', style);
        expect(response.statusCode).toBe(200);
        expect(response.body).toBe('');
        expect(response.headers['x-decision-id']).toMatch(UUID);
        expect(response.headers['x-auth-subject']).toBeUndefined();
        expect(response.headers['x-auth-client-id']).toBeUndefined();
        expect(response.headers['x-auth-scope']).toBeUndefined();
      }
    });

    it('let a request through whatever token it carries, and still name nobody', async () => {
      const withBad = await gateway(sut, { token: 'garbage', method: 'POST', uri: '/public/form' });
      expect(withBad.statusCode).toBe(200);
      expect(withBad.headers['x-auth-subject']).toBeUndefined();
    });
  });

  describe('the path judged is the path the upstream serves', () => {
    it('a query string cannot dodge a rule', async () => {
      for (const style of STYLES) {
        expect((await ask(undefined, 'GET', '/public/x?next=/admin/users', style)).statusCode).toBe(
          200,
        );
        expectGatewayDenied(
          await ask(undefined, 'GET', '/admin/users?/public/x', style),
          'token_missing',
        );
        expectGatewayDenied(
          await ask('api:read', 'GET', '/admin/users?path=/public', style),
          'insufficient_scope',
        );
      }
    });

    it('dot segments, raw or encoded, and a fragment are refused before any rule', async () => {
      // Injected requests have their URL resolved first; test/adversarial/path-confusion sends
      // the path form over a socket, byte for byte.
      for (const style of ['nginx', 'caddy'] as const) {
        for (const uri of [
          '/public/../admin/users',
          '/public/%2e%2e/admin/users',
          '/public/%2E%2E/admin/users',
          '/public/./../admin/users',
          '/public/x/../../admin/users',
          '/../public/x',
        ]) {
          expectGatewayDenied(await ask(undefined, 'GET', uri, style), 'path_rejected');
        }
      }
      expectGatewayDenied(await ask(undefined, 'GET', '/admin/users#/public/x'), 'path_rejected');
    });

    it('percent-encoding and doubled slashes cannot dodge a rule', async () => {
      for (const uri of ['/%61dmin/users', '/admin//users', '/admin/users/']) {
        expectGatewayDenied(await ask(undefined, 'GET', uri), 'token_missing');
        allowedAs(await ask('admin:manage', 'GET', uri), 'admin:manage');
      }
      // A leading // is a network-path reference: WHATWG parsers read a host in it.
      expectGatewayDenied(await ask('admin:manage', 'GET', '//admin/users'), 'path_rejected');
    });
  });
});
