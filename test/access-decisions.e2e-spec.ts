import { expect } from 'expect';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { after, before, describe, it } from 'node:test';
import {
  accessTokenClaims,
  check,
  clientToken,
  createRole,
  createRule,
  createService,
  Credentials,
  expectCheck,
  expectGatewayAllowed,
  expectGatewayDenied,
  gateway,
  GatewayStyle,
  nextSecond,
  setClientRoles,
  setUserRoles,
  signWithForeignKey,
  signWithServerKey,
  UUID,
} from './support/access';
import {
  createClient,
  createUser,
  dataSource,
  refresh,
  signInForTokens,
  TestClient,
  TestUser,
} from './support/code-flow';
import { basicAuth, startTestApp, TestApp } from './support/test-app';

const STYLES: GatewayStyle[] = ['nginx', 'caddy', 'envoy'];
const API = 'https://api.example.com';

interface Who {
  sub: string | null;
  client_id: string | null;
  scope: string | null;
}
const NOBODY: Who = { sub: null, client_id: null, scope: null };

describe('checkAccess decisions: every reason code through /access/check and the gateway', () => {
  let sut: TestApp;
  let reader: string;
  let service: Credentials;
  let webApp: TestClient;

  before(async () => {
    sut = await startTestApp();
    reader = await createRole(sut, ['invoices:read']);
    await createRule(sut, { path: '/invoices/**', permission: 'invoices:read' });
    await createRule(sut, {
      path: '/partner/**',
      permission: 'invoices:read',
      audience: API,
    });
    await createRule(sut, {
      path: '/billing/**',
      permission: 'invoices:read',
      scopes: ['billing'],
    });
    await createRule(sut, { path: '/whoami', methods: ['GET'] });
    service = await createService(sut, 'invoices:read billing other', [reader], {
      audience: [API],
    });
    webApp = await createClient(sut, { scope: 'openid offline_access invoices:read' });
  });
  after(() => sut.close());

  /** The same denial through /access/check and each gateway style on GET /invoices/42. */
  async function expectDenied(
    token: string | undefined,
    reason: string,
    who: Who = NOBODY,
    challenge?: string,
  ) {
    expectCheck(await check(sut, token, 'invoices', 'read'), { allowed: false, reason, ...who });
    for (const style of STYLES) {
      expectGatewayDenied(
        await gateway(sut, { token, method: 'GET', uri: '/invoices/42', style }),
        reason,
        challenge,
      );
    }
  }

  /** The same allow through /access/check and each gateway style. */
  async function expectAllowed(
    token: string,
    who: { sub: string; clientId: string; scope: string },
  ) {
    expectCheck(await check(sut, token, 'invoices', 'read'), {
      allowed: true,
      reason: 'allowed',
      sub: who.sub,
      client_id: who.clientId,
      scope: who.scope,
    });
    for (const style of STYLES) {
      expectGatewayAllowed(
        await gateway(sut, { token, method: 'GET', uri: '/invoices/42', style }),
        who,
      );
    }
  }

  const serviceWho = (scope: string) => ({
    sub: service.client_id,
    clientId: service.client_id,
    scope,
  });
  const asCheck = (who: { sub: string; clientId: string; scope: string }): Who => ({
    sub: who.sub,
    client_id: who.clientId,
    scope: who.scope,
  });

  async function userWithToken(): Promise<{
    user: TestUser;
    tokens: { access_token: string; refresh_token?: string };
  }> {
    const user = await createUser(sut);
    await setUserRoles(sut, user.id, [reader]);
    const tokens = await signInForTokens(sut, webApp, user, {
      scope: 'openid offline_access invoices:read',
    });
    return { user, tokens };
  }

  describe('allowed', () => {
    it('allows a client token holding the permission, naming sub, client_id and scope', async () => {
      const token = await clientToken(sut, service, 'invoices:read other');
      await expectAllowed(token, serviceWho('invoices:read other'));
    });

    it('allows a user token holding the permission, with the user as sub', async () => {
      const { user, tokens } = await userWithToken();
      await expectAllowed(tokens.access_token, {
        sub: user.id,
        clientId: webApp.client_id,
        scope: 'openid offline_access invoices:read',
      });
    });

    it('gives every answer its own decision id, the same in header and body', async () => {
      const token = await clientToken(sut, service, 'invoices:read');
      const ids = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const response = await check(sut, token, 'invoices', 'read');
        expect(response.json().decision_id).toBe(response.headers['x-decision-id']);
        ids.add(response.headers['x-decision-id'] as string);
        ids.add(
          (await gateway(sut, { token, method: 'GET', uri: '/invoices/1' })).headers[
            'x-decision-id'
          ] as string,
        );
      }
      expect(ids.size).toBe(6);
      for (const id of ids) expect(id).toMatch(UUID);
    });
  });

  describe('the decision path', () => {
    /** Counts what asks the database for a connection or a query while `work` runs. */
    async function databaseTrips(work: () => Promise<void>): Promise<number> {
      const pool = (dataSource(sut).driver as PostgresDriver).master as Record<
        'connect' | 'query',
        (...args: unknown[]) => unknown
      >;
      const originals = { connect: pool.connect, query: pool.query };
      let trips = 0;
      for (const method of ['connect', 'query'] as const) {
        pool[method] = function (this: unknown, ...args: unknown[]) {
          trips += 1;
          return originals[method].apply(this, args);
        };
      }
      try {
        await work();
      } finally {
        Object.assign(pool, originals);
      }
      return trips;
    }

    it('makes no database round-trip, for a token seen for the first time too', async () => {
      const token = await clientToken(sut, service, 'invoices:read');
      // Our key's kid, a payload it never signed.
      const [header, payload, signature] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const widened = Buffer.from(JSON.stringify({ ...claims, scope: 'invoices:write' }));
      const tampered = [header, widened.toString('base64url'), signature].join('.');
      const trips = await databaseTrips(async () => {
        for (let i = 0; i < 3; i++) {
          expect((await check(sut, token, 'invoices', 'read')).json().allowed).toBe(true);
          const allowed = await gateway(sut, { token, method: 'GET', uri: '/invoices/1' });
          expect(allowed.statusCode).toBe(200);
          const forged = await check(sut, tampered, 'invoices', 'read');
          expect(forged.json().reason).toBe('token_invalid');
          const nowhere = await gateway(sut, { token, method: 'GET', uri: '/nowhere' });
          expect(nowhere.statusCode).toBe(403);
        }
      });
      expect(trips).toBe(0);
      // The count would see a trip: an admin read makes some.
      const adminRead = await databaseTrips(async () => {
        expect((await sut.admin('GET', '/admin/roles')).statusCode).toBe(200);
      });
      expect(adminRead).toBeGreaterThan(0);
    });

    it('looks for an unknown signing key in the database at most once in a while, however many ask', async () => {
      const strangers = await Promise.all(
        Array.from({ length: 10 }, () =>
          signWithForeignKey(accessTokenClaims(sut, service.client_id)),
        ),
      );
      const trips = await databaseTrips(async () => {
        for (const stranger of strangers) {
          expect((await check(sut, stranger, 'invoices', 'read')).json().reason).toBe(
            'token_invalid',
          );
        }
      });
      // A kid this process does not know may be a key another process has just made.
      expect(trips).toBeLessThanOrEqual(1);
    });
  });

  describe('token_missing', () => {
    it('denies a request without a Bearer token', async () => {
      await expectDenied(undefined, 'token_missing');
    });

    it('treats another scheme as no Bearer token', async () => {
      const basic = basicAuth(service.client_id, service.client_secret);
      const response = await sut.request({
        method: 'POST',
        url: '/access/check',
        headers: { authorization: basic, 'content-type': 'application/json' },
        payload: { resource: 'invoices', action: 'read' },
      });
      expectCheck(response, { allowed: false, reason: 'token_missing', ...NOBODY });
      const forwarded = await sut.request({
        method: 'GET',
        url: '/access/gateway',
        headers: {
          authorization: basic,
          'x-original-method': 'GET',
          'x-original-uri': '/invoices',
        },
      });
      expectGatewayDenied(forwarded, 'token_missing');
    });
  });

  describe('binding_mismatch', () => {
    it('denies a sender-constrained token (cnf) presented as Bearer without its proof', async () => {
      // The proofs themselves: test/access-binding.e2e-spec.ts.
      const certificateBound = accessTokenClaims(sut, service.client_id, {
        cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' },
      });
      await expectDenied(await signWithServerKey(sut, certificateBound), 'binding_mismatch');
      const dpopBound = accessTokenClaims(sut, service.client_id, {
        cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' },
      });
      await expectDenied(
        await signWithServerKey(sut, dpopBound),
        'binding_mismatch',
        NOBODY,
        // RFC 9449 §7.1: the challenge of a resource that takes DPoP-bound tokens.
        'DPoP algs="ES256 RS256 PS256 EdDSA", error="invalid_token"',
      );
    });
  });

  describe('token_invalid', () => {
    it('denies garbage', async () => {
      await expectDenied('garbage', 'token_invalid');
      await expectDenied('a.b.c', 'token_invalid');
    });

    it('denies a token signed with another key', async () => {
      await expectDenied(
        await signWithForeignKey(accessTokenClaims(sut, service.client_id)),
        'token_invalid',
      );
    });

    it('denies a token of our key from another issuer', async () => {
      const claims = accessTokenClaims(sut, service.client_id, { iss: 'https://evil.example' });
      await expectDenied(await signWithServerKey(sut, claims), 'token_invalid');
    });

    it('denies a token of our key with the wrong typ (an ID token is no access token)', async () => {
      const claims = accessTokenClaims(sut, service.client_id);
      await expectDenied(await signWithServerKey(sut, claims, 'JWT'), 'token_invalid');
    });

    it('denies a token of our key without client_id or jti (RFC 9068 §2.2)', async () => {
      const noClient = accessTokenClaims(sut, service.client_id, { client_id: undefined });
      await expectDenied(await signWithServerKey(sut, noClient), 'token_invalid');
      const noJti = accessTokenClaims(sut, service.client_id, { jti: undefined });
      await expectDenied(await signWithServerKey(sut, noJti), 'token_invalid');
    });

    it('denies a token whose signature was tampered with', async () => {
      const token = await clientToken(sut, service, 'invoices:read');
      const [header, payload, signature] = token.split('.');
      const forged = Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), scope: 'x' }),
      ).toString('base64url');
      await expectDenied(`${header}.${forged}.${signature}`, 'token_invalid');
    });

    it('denies, at the gateway, a token lacking the audience its rule names', async () => {
      // The service is registered for API; asked for the issuer alone, its token lacks API.
      const asked = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials', scope: 'invoices:read', resource: sut.config.issuer },
        { authorization: basicAuth(service.client_id, service.client_secret) },
      );
      const lacking = asked.json().access_token as string;
      for (const style of STYLES) {
        expectGatewayDenied(
          await gateway(sut, { token: lacking, method: 'GET', uri: '/partner/x', style }),
          'token_invalid',
        );
      }
      const response = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials', scope: 'invoices:read', resource: API },
        { authorization: basicAuth(service.client_id, service.client_secret) },
      );
      expect(response.statusCode).toBe(200);
      const addressed = response.json().access_token as string;
      expectGatewayAllowed(
        await gateway(sut, { token: addressed, method: 'GET', uri: '/partner/x' }),
        serviceWho('invoices:read'),
      );
    });
  });

  describe('token_expired', () => {
    it('denies a token of our key past its exp', async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = accessTokenClaims(sut, service.client_id, { iat: now - 600, exp: now - 60 });
      await expectDenied(await signWithServerKey(sut, claims), 'token_expired');
    });

    it('still allows the same token shape while it is within exp', async () => {
      const claims = accessTokenClaims(sut, service.client_id, { scope: 'invoices:read' });
      await expectAllowed(await signWithServerKey(sut, claims), serviceWho('invoices:read'));
    });
  });

  describe('token_revoked', () => {
    it('denies an access token revoked at /revoke (RFC 7009)', async () => {
      const token = await clientToken(sut, service, 'invoices:read');
      await expectAllowed(token, serviceWho('invoices:read'));
      const revoked = await sut.postForm(
        '/revoke',
        { token, token_type_hint: 'access_token' },
        { authorization: basicAuth(service.client_id, service.client_secret) },
      );
      expect(revoked.statusCode).toBe(200);
      await expectDenied(token, 'token_revoked', asCheck(serviceWho('invoices:read')));
    });

    it('denies the access tokens of a refresh-token family ended by reuse', async () => {
      const { user, tokens } = await userWithToken();
      const rotated = await refresh(sut, webApp, tokens.refresh_token!);
      expect(rotated.statusCode).toBe(200);
      const second = rotated.json().access_token as string;
      const who = {
        sub: user.id,
        client_id: webApp.client_id,
        scope: 'openid offline_access invoices:read',
      };
      expectCheck(await check(sut, second, 'invoices', 'read'), {
        allowed: true,
        reason: 'allowed',
        ...who,
      });

      const reused = await refresh(sut, webApp, tokens.refresh_token!);
      expect(reused.statusCode).toBe(400);
      await expectDenied(tokens.access_token, 'token_revoked', who);
      await expectDenied(second, 'token_revoked', who);
    });

    it('denies a client token issued before the client was disabled, after it is enabled again', async () => {
      const own = await createService(sut, 'invoices:read', [reader]);
      const who = { sub: own.client_id, clientId: own.client_id, scope: 'invoices:read' };
      const old = await clientToken(sut, own);
      await expectAllowed(old, who);

      const disabled = await sut.admin('PATCH', `/admin/clients/${own.client_id}`, {
        status: 'disabled',
      });
      expect(disabled.statusCode).toBe(200);
      await expectDenied(old, 'client_inactive', asCheck(who));

      await nextSecond();
      await sut.admin('PATCH', `/admin/clients/${own.client_id}`, { status: 'active' });
      await expectDenied(old, 'token_revoked', asCheck(who));
      await expectAllowed(await clientToken(sut, own), who);
    });

    it('denies a user token issued before the user was disabled, after it is enabled again', async () => {
      const { user, tokens } = await userWithToken();
      const who = {
        sub: user.id,
        client_id: webApp.client_id,
        scope: 'openid offline_access invoices:read',
      };
      await sut.admin('PATCH', `/admin/users/${user.id}`, { status: 'disabled' });
      await expectDenied(tokens.access_token, 'subject_inactive', who);

      await nextSecond();
      await sut.admin('PATCH', `/admin/users/${user.id}`, { status: 'active' });
      await expectDenied(tokens.access_token, 'token_revoked', who);
      const fresh = await signInForTokens(sut, webApp, user, {
        scope: 'openid offline_access invoices:read',
      });
      await expectAllowed(fresh.access_token, {
        sub: user.id,
        clientId: webApp.client_id,
        scope: who.scope,
      });
    });
  });

  describe('client_inactive', () => {
    it('denies a client token of a disabled client', async () => {
      const own = await createService(sut, 'invoices:read', [reader]);
      const token = await clientToken(sut, own);
      await sut.admin('PATCH', `/admin/clients/${own.client_id}`, { status: 'disabled' });
      await expectDenied(token, 'client_inactive', {
        sub: own.client_id,
        client_id: own.client_id,
        scope: 'invoices:read',
      });
    });

    it('denies a user token whose client was disabled, and one whose client was deleted', async () => {
      const app = await createClient(sut, { scope: 'openid invoices:read' });
      const user = await createUser(sut);
      await setUserRoles(sut, user.id, [reader]);
      const first = await signInForTokens(sut, app, user, { scope: 'openid invoices:read' });
      const second = await signInForTokens(sut, app, user, { scope: 'openid invoices:read' });
      const who = { sub: user.id, client_id: app.client_id, scope: 'openid invoices:read' };

      await sut.admin('PATCH', `/admin/clients/${app.client_id}`, { status: 'disabled' });
      await expectDenied(first.access_token, 'client_inactive', who);

      expect((await sut.admin('DELETE', `/admin/clients/${app.client_id}`)).statusCode).toBe(204);
      await expectDenied(second.access_token, 'client_inactive', who);
    });
  });

  describe('subject_inactive', () => {
    it('denies a token of a disabled user', async () => {
      const { user, tokens } = await userWithToken();
      await sut.admin('PATCH', `/admin/users/${user.id}`, { status: 'disabled' });
      await expectDenied(tokens.access_token, 'subject_inactive', {
        sub: user.id,
        client_id: webApp.client_id,
        scope: 'openid offline_access invoices:read',
      });
    });

    it('denies a token of a deleted user', async () => {
      const { user, tokens } = await userWithToken();
      expect((await sut.admin('DELETE', `/admin/users/${user.id}`)).statusCode).toBe(204);
      await expectDenied(tokens.access_token, 'subject_inactive', {
        sub: user.id,
        client_id: webApp.client_id,
        scope: 'openid offline_access invoices:read',
      });
    });
  });

  describe('insufficient_scope', () => {
    it('denies a token without the permission in its scope, though the subject holds it', async () => {
      const token = await clientToken(sut, service, 'other');
      await expectDenied(token, 'insufficient_scope', asCheck(serviceWho('other')));
    });

    it('denies, at the gateway, a token lacking a scope its rule requires', async () => {
      const without = await clientToken(sut, service, 'invoices:read');
      for (const style of STYLES) {
        expectGatewayDenied(
          await gateway(sut, { token: without, method: 'POST', uri: '/billing/run', style }),
          'insufficient_scope',
        );
      }
      const withScope = await clientToken(sut, service, 'invoices:read billing');
      expectGatewayAllowed(
        await gateway(sut, { token: withScope, method: 'POST', uri: '/billing/run' }),
        serviceWho('invoices:read billing'),
      );
    });
  });

  describe('permission_denied and freshness in this process', () => {
    it('denies at once when the role is taken from the client after issuance', async () => {
      const own = await createService(sut, 'invoices:read', [reader]);
      const token = await clientToken(sut, own);
      const who = { sub: own.client_id, clientId: own.client_id, scope: 'invoices:read' };
      await expectAllowed(token, who);
      await setClientRoles(sut, own.client_id, []);
      await expectDenied(token, 'permission_denied', asCheck(who));
      await setClientRoles(sut, own.client_id, [reader]);
      await expectAllowed(token, who);
    });

    it('denies at once when the role is taken from the user after issuance', async () => {
      const { user, tokens } = await userWithToken();
      await setUserRoles(sut, user.id, []);
      await expectDenied(tokens.access_token, 'permission_denied', {
        sub: user.id,
        client_id: webApp.client_id,
        scope: 'openid offline_access invoices:read',
      });
    });

    it('denies at once when the role loses the permission, or is deleted', async () => {
      const role = await createRole(sut, ['invoices:read']);
      const own = await createService(sut, 'invoices:read', [role]);
      const token = await clientToken(sut, own);
      const who = { sub: own.client_id, clientId: own.client_id, scope: 'invoices:read' };
      await expectAllowed(token, who);

      await sut.admin('PATCH', `/admin/roles/${role}`, { permissions: ['invoices:write'] });
      await expectDenied(token, 'permission_denied', asCheck(who));
      await sut.admin('PATCH', `/admin/roles/${role}`, { permissions: ['invoices:read'] });
      await expectAllowed(token, who);

      expect((await sut.admin('DELETE', `/admin/roles/${role}`)).statusCode).toBe(204);
      await expectDenied(token, 'permission_denied', asCheck(who));
    });

    it('takes a disabled user and a disabled client into account at once', async () => {
      for (let round = 0; round < 5; round++) {
        const { user, tokens } = await userWithToken();
        await sut.admin('PATCH', `/admin/users/${user.id}`, { status: 'disabled' });
        const userCheck = await check(sut, tokens.access_token, 'invoices', 'read');
        expect(userCheck.json().reason).toBe('subject_inactive');

        const own = await createService(sut, 'invoices:read', [reader]);
        const token = await clientToken(sut, own);
        await sut.admin('PATCH', `/admin/clients/${own.client_id}`, { status: 'disabled' });
        const clientCheck = await check(sut, token, 'invoices', 'read');
        expect(clientCheck.json().reason).toBe('client_inactive');
      }
    });
  });

  describe('no_matching_rule', () => {
    it('denies at the gateway a request no rule covers, token or not', async () => {
      const token = await clientToken(sut, service, 'invoices:read');
      for (const style of STYLES) {
        expectGatewayDenied(
          await gateway(sut, { token, method: 'GET', uri: '/elsewhere/1', style }),
          'no_matching_rule',
        );
        expectGatewayDenied(
          await gateway(sut, { method: 'GET', uri: '/elsewhere/1', style }),
          'no_matching_rule',
        );
        // The /whoami rule names GET only.
        expectGatewayDenied(
          await gateway(sut, { token, method: 'DELETE', uri: '/whoami', style }),
          'no_matching_rule',
        );
      }
    });

    it('lets a rule without a permission admit any good token', async () => {
      const token = await clientToken(sut, service, 'other');
      expectGatewayAllowed(
        await gateway(sut, { token, method: 'GET', uri: '/whoami' }),
        serviceWho('other'),
      );
      expectGatewayDenied(await gateway(sut, { method: 'GET', uri: '/whoami' }), 'token_missing');
    });
  });

  describe('POST /access/check input', () => {
    it('answers 400 naming the field for a bad resource or action', async () => {
      const token = await clientToken(sut, service, 'invoices:read');
      const response = await sut.request({
        method: 'POST',
        url: '/access/check',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: { resource: 'in voices', action: 'read' },
      });
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          message: 'resource: must be 1 to 100 letters, digits or _ . -',
          details: [{ field: 'resource', problem: 'must be 1 to 100 letters, digits or _ . -' }],
        },
      });
      const missing = await sut.request({
        method: 'POST',
        url: '/access/check',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: { resource: 'invoices' },
      });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().details).toEqual([
        { field: 'action', problem: 'must be 1 to 100 letters, digits or _ . -' },
      ]);
    });
  });
});
