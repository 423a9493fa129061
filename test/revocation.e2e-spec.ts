import { expect } from 'expect';
import { decodeJwt } from 'jose';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { JwtService } from '../src/crypto/jwt.service';
import {
  authorizeAndGetCode,
  createClient,
  createPublicClient,
  createUser,
  dataSource,
  exchangeCode,
  INVALID_GRANT,
  refresh,
  signInForTokens,
  TestClient,
  TestUser,
  TokenSet,
  userinfo,
} from './support/code-flow';
import { basicAuth, InjectResult, startTestApp, TestApp } from './support/test-app';
import { NEEDS_POSTGRES_SERVER } from './support/test-database';
import { twoProcessesOnOneDatabase } from './support/two-processes';
import { within } from './support/within';
import { cutOffDatabase, restoreDatabase } from './support/database-server';
import { processOnADatabaseToCutOff } from './support/process-to-cut-off';

const ISSUER = 'http://localhost:3000';
const SPA_ORIGIN = 'https://spa.example.com';
const INACTIVE = { active: false };
const NOT_YOURS = {
  error: 'unauthorized_client',
  error_description: 'the token was not issued to this client',
};
const INVALID_TOKEN = {
  error: 'invalid_token',
  error_description: 'the access token is invalid or expired',
};
const UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description: 'the service is temporarily unavailable',
};

interface M2mClient extends TestClient {
  client_secret: string;
}

async function createM2mClient(
  sut: TestApp,
  overrides: Record<string, unknown> = {},
): Promise<M2mClient> {
  const response = await sut.admin('POST', '/admin/clients', {
    client_name: 'Service',
    client_type: 'm2m',
    ...overrides,
  });
  expect(response.statusCode).toBe(201);
  const { client_id, client_secret } = response.json();
  return { client_id, client_secret };
}

async function clientCredentialsToken(sut: TestApp, client: M2mClient): Promise<string> {
  const response = await sut.postForm(
    '/token',
    { grant_type: 'client_credentials' },
    { authorization: basicAuth(client.client_id, client.client_secret) },
  );
  expect(response.statusCode).toBe(200);
  return response.json().access_token as string;
}

/** How `client` authenticates: Basic for confidential clients, client_id for public ones. */
function authOf(client: TestClient): {
  form: Record<string, string>;
  headers: Record<string, string>;
} {
  return client.client_secret
    ? { form: {}, headers: { authorization: basicAuth(client.client_id, client.client_secret) } }
    : { form: { client_id: client.client_id }, headers: {} };
}

/** POST /revoke as `caller`. */
function revoke(
  sut: TestApp,
  caller: TestClient,
  form: Record<string, string | string[]>,
  headers: Record<string, string> = {},
): Promise<InjectResult> {
  const auth = authOf(caller);
  return sut.postForm('/revoke', { ...auth.form, ...form }, { ...auth.headers, ...headers });
}

/** RFC 7009 §2.2: 200, an empty body, never cached. */
function expectRevoked(response: InjectResult): void {
  expect(response.statusCode).toBe(200);
  expect(response.body).toBe('');
  expect(response.headers['cache-control']).toBe('no-store');
}

/** The introspection answer about `token`, asked by an iam:check holder that may see any. */
async function introspect(sut: TestApp, checker: M2mClient, token: string): Promise<unknown> {
  const response = await sut.postForm(
    '/introspect',
    { token },
    { authorization: basicAuth(checker.client_id, checker.client_secret) },
  );
  expect(response.statusCode).toBe(200);
  return response.json();
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

async function familyOf(sut: TestApp, refreshToken: string): Promise<string> {
  const [row] = await dataSource(sut).query<{ family_id: string }[]>(
    'SELECT family_id FROM refresh_tokens WHERE token_hash = $1',
    [sha256(refreshToken)],
  );
  return row.family_id;
}

interface AuditRow {
  type: string;
  outcome: string;
  actor_type: string;
  actor_id: string;
  target_type: string;
  target_id: string;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
}

async function auditRows(sut: TestApp, targetId: string): Promise<AuditRow[]> {
  return dataSource(sut).query<AuditRow[]>(
    `SELECT type, outcome, actor_type, actor_id, target_type, target_id, ip, user_agent, details
       FROM audit_events WHERE target_id = $1 ORDER BY occurred_at`,
    [targetId],
  );
}

/** Every audit row, as text, to prove no token was written down. */
async function allAuditText(sut: TestApp): Promise<string> {
  const rows = await dataSource(sut).query<unknown[]>('SELECT * FROM audit_events');
  return JSON.stringify(rows);
}

describe('revocation (RFC 7009)', () => {
  let sut: TestApp;
  let user: TestUser;
  let web: TestClient;
  let other: TestClient;
  let checker: M2mClient;

  before(async () => {
    sut = await startTestApp();
    user = await createUser(sut);
    web = await createClient(sut);
    other = await createClient(sut);
    checker = await createM2mClient(sut, { client_name: 'Policy point', scope: 'iam:check' });
  });
  after(() => sut.close());

  describe('access tokens', () => {
    it("revoking a user's access token: 200 empty, then introspection inactive and /userinfo 401; the refresh token lives on", async () => {
      const tokens = await signInForTokens(sut, web, user);
      expect((await userinfo(sut, tokens.access_token)).statusCode).toBe(200);

      expectRevoked(await revoke(sut, web, { token: tokens.access_token }));

      expect(await introspect(sut, checker, tokens.access_token)).toEqual(INACTIVE);
      const info = await userinfo(sut, tokens.access_token);
      expect(info.statusCode).toBe(401);
      expect(info.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
      expect(info.json()).toEqual(INVALID_TOKEN);
      // RFC 7009 §2.1: revoking an access token need not end its grant.
      expect(await introspect(sut, checker, tokens.refresh_token!)).toMatchObject({ active: true });
    });

    it('a client_credentials token is revoked by jti until its exp, and the store says so', async () => {
      const service = await createM2mClient(sut);
      const token = await clientCredentialsToken(sut, service);
      const { jti, exp } = decodeJwt(token);

      expectRevoked(await revoke(sut, service, { token }));

      expect(await introspect(sut, checker, token)).toEqual(INACTIVE);
      const rows = await dataSource(sut).query<{ expires_at: Date }[]>(
        'SELECT expires_at FROM revoked_access_tokens WHERE jti = $1',
        [jti],
      );
      expect(rows.map((row) => row.expires_at.getTime())).toEqual([exp! * 1000]);
      // The admin API, which accepts the client's tokens otherwise, refuses it too.
      const admin = await sut.request({
        method: 'GET',
        url: '/admin/clients',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(admin.statusCode).toBe(401);
    });

    it('revoking twice is 200 both times', async () => {
      const tokens = await signInForTokens(sut, web, user);
      expectRevoked(await revoke(sut, web, { token: tokens.access_token }));
      expectRevoked(await revoke(sut, web, { token: tokens.access_token }));
      expect(await introspect(sut, checker, tokens.access_token)).toEqual(INACTIVE);
    });

    it('token_type_hint is a hint only: a wrong hint still revokes the access token', async () => {
      const tokens = await signInForTokens(sut, web, user);
      expectRevoked(
        await revoke(sut, web, { token: tokens.access_token, token_type_hint: 'refresh_token' }),
      );
      expect(await introspect(sut, checker, tokens.access_token)).toEqual(INACTIVE);
    });

    it('an expired access token needs no work: 200, nothing stored, nothing audited', async () => {
      const now = Math.floor(Date.now() / 1000);
      const jti = randomUUID();
      const expired = await sut.app.get(JwtService).sign(
        {
          iss: ISSUER,
          sub: user.id,
          aud: ISSUER,
          client_id: web.client_id,
          scope: 'openid',
          iat: now - 600,
          exp: now - 60,
          jti,
        },
        'at+jwt',
        sut.config.keys.accessTokenAlgorithm,
      );
      expectRevoked(await revoke(sut, web, { token: expired }));
      const stored = await dataSource(sut).query<unknown[]>(
        'SELECT jti FROM revoked_access_tokens WHERE jti = $1',
        [jti],
      );
      expect(stored).toEqual([]);
      expect(await auditRows(sut, jti)).toEqual([]);
    });

    it('a JWT not signed by our keys is unknown: 200 and nothing stored', async () => {
      const tokens = await signInForTokens(sut, web, user);
      const [header, payload, signature] = tokens.access_token.split('.');
      const flipped = signature[10] === 'A' ? 'B' : 'A';
      const forged = `${header}.${payload}.${signature.slice(0, 10)}${flipped}${signature.slice(11)}`;
      expectRevoked(await revoke(sut, web, { token: forged }));
      expect(await introspect(sut, checker, tokens.access_token)).toMatchObject({ active: true });
    });
  });

  describe('refresh tokens end their family (RFC 7009 §2.1)', () => {
    it('revoking the current refresh token ends every token of the family and the access tokens issued in it', async () => {
      const first = await signInForTokens(sut, web, user);
      const rotated = await refresh(sut, web, first.refresh_token!);
      expect(rotated.statusCode).toBe(200);
      const second = rotated.json<TokenSet>();
      const sibling = await signInForTokens(sut, web, user);

      expectRevoked(await revoke(sut, web, { token: second.refresh_token! }));

      for (const token of [
        first.access_token,
        second.access_token,
        first.refresh_token!,
        second.refresh_token!,
      ]) {
        expect(await introspect(sut, checker, token)).toEqual(INACTIVE);
      }
      expect((await userinfo(sut, first.access_token)).statusCode).toBe(401);
      expect((await userinfo(sut, second.access_token)).statusCode).toBe(401);
      const again = await refresh(sut, web, second.refresh_token!);
      expect(again.statusCode).toBe(400);
      expect(again.json()).toEqual(INVALID_GRANT);
      // Another sign-in is another family: untouched.
      expect(await introspect(sut, checker, sibling.access_token)).toMatchObject({ active: true });
      expect(await introspect(sut, checker, sibling.refresh_token!)).toMatchObject({
        active: true,
      });
    });

    it('an already rotated refresh token still names its family: revoking it ends the live successor', async () => {
      const first = await signInForTokens(sut, web, user);
      const rotated = await refresh(sut, web, first.refresh_token!);
      const second = rotated.json<TokenSet>();

      expectRevoked(await revoke(sut, web, { token: first.refresh_token! }));

      expect(await introspect(sut, checker, second.refresh_token!)).toEqual(INACTIVE);
      expect(await introspect(sut, checker, second.access_token)).toEqual(INACTIVE);
    });

    it('token_type_hint is a hint only: access_token as the hint still ends the family', async () => {
      const tokens = await signInForTokens(sut, web, user);
      expectRevoked(
        await revoke(sut, web, { token: tokens.refresh_token!, token_type_hint: 'access_token' }),
      );
      expect(await introspect(sut, checker, tokens.refresh_token!)).toEqual(INACTIVE);
      expect(await introspect(sut, checker, tokens.access_token)).toEqual(INACTIVE);
    });

    it('a revoked family revoked again is 200', async () => {
      const tokens = await signInForTokens(sut, web, user);
      expectRevoked(await revoke(sut, web, { token: tokens.refresh_token! }));
      expectRevoked(await revoke(sut, web, { token: tokens.refresh_token! }));
    });

    it('a public client revokes its own refresh token with its client_id, and the answer carries CORS for its origin', async () => {
      const spa = await createPublicClient(sut, { allowed_cors_origins: [SPA_ORIGIN] });
      const result = await authorizeAndGetCode(sut, spa, user, {
        scope: 'openid offline_access',
      });
      const exchanged = await exchangeCode(sut, spa, result);
      expect(exchanged.statusCode).toBe(200);
      const tokens = exchanged.json<TokenSet>();

      const response = await revoke(
        sut,
        spa,
        { token: tokens.refresh_token! },
        { origin: SPA_ORIGIN },
      );
      expectRevoked(response);
      expect(response.headers['access-control-allow-origin']).toBe(SPA_ORIGIN);
      expect(await introspect(sut, checker, tokens.refresh_token!)).toEqual(INACTIVE);
      expect(await introspect(sut, checker, tokens.access_token)).toEqual(INACTIVE);

      const preflight = await sut.request({
        method: 'OPTIONS',
        url: '/revoke',
        headers: {
          origin: SPA_ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(SPA_ORIGIN);
      expect(preflight.headers['access-control-allow-methods']).toBe('POST');

      const stranger = await revoke(
        sut,
        spa,
        { token: 'A'.repeat(43) },
        { origin: 'https://evil.example.net' },
      );
      expectRevoked(stranger);
      expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('a client revokes only its own tokens (RFC 7009 §2.1)', () => {
    it("another client's refresh token: 400 unauthorized_client, and the family lives on", async () => {
      const tokens = await signInForTokens(sut, web, user);
      const response = await revoke(sut, other, { token: tokens.refresh_token! });
      expect(response.statusCode).toBe(400);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.json()).toEqual(NOT_YOURS);

      expect(await introspect(sut, checker, tokens.refresh_token!)).toMatchObject({
        active: true,
      });
      expect(await introspect(sut, checker, tokens.access_token)).toMatchObject({ active: true });
      expect((await refresh(sut, web, tokens.refresh_token!)).statusCode).toBe(200);
    });

    it("another client's access token: 400 unauthorized_client, and it stays valid", async () => {
      const tokens = await signInForTokens(sut, web, user);
      const response = await revoke(sut, other, { token: tokens.access_token });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(NOT_YOURS);
      expect(await introspect(sut, checker, tokens.access_token)).toMatchObject({ active: true });
      expect((await userinfo(sut, tokens.access_token)).statusCode).toBe(200);
    });

    it('even an iam:check holder may not revoke tokens of others', async () => {
      const tokens = await signInForTokens(sut, web, user);
      const response = await revoke(sut, checker, { token: tokens.access_token });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(NOT_YOURS);
      expect(await introspect(sut, checker, tokens.access_token)).toMatchObject({ active: true });
    });
  });

  describe('unknown tokens (RFC 7009 §2.2)', () => {
    for (const [what, token] of [
      ['an opaque token never issued', randomBytes(32).toString('base64url')],
      ['a malformed JWT', 'a.b.c'],
      ['something of no token shape', 'not a token'],
    ]) {
      it(`${what}: 200 with an empty body`, async () => {
        expectRevoked(await revoke(sut, web, { token }));
      });
    }
  });

  describe('the request', () => {
    it('without token: 400 invalid_request, no-store', async () => {
      const response = await revoke(sut, web, {});
      expect(response.statusCode).toBe(400);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.json()).toEqual({
        error: 'invalid_request',
        error_description: 'token is required',
      });
    });

    it('with an empty token: 400 invalid_request', async () => {
      const response = await revoke(sut, web, { token: '' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_request',
        error_description: 'token is required',
      });
    });

    it('with token given twice: 400 invalid_request', async () => {
      const response = await revoke(sut, web, { token: ['a', 'b'] });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_request',
        error_description: 'token: is repeated',
      });
    });

    it('without client authentication: 401 invalid_client, and nothing is revoked', async () => {
      const tokens = await signInForTokens(sut, web, user);
      const response = await sut.postForm('/revoke', { token: tokens.refresh_token! });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        error: 'invalid_client',
        error_description:
          'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
      });
      expect(await introspect(sut, checker, tokens.refresh_token!)).toMatchObject({
        active: true,
      });
    });

    it('with a wrong secret in Basic: 401 invalid_client with a Basic challenge', async () => {
      const tokens = await signInForTokens(sut, web, user);
      const response = await sut.postForm(
        '/revoke',
        { token: tokens.access_token },
        { authorization: basicAuth(web.client_id, 'wrong-secret') },
      );
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Basic realm="gatehouse", charset="UTF-8"');
      expect(response.json()).toEqual({
        error: 'invalid_client',
        error_description:
          'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
      });
      expect(await introspect(sut, checker, tokens.access_token)).toMatchObject({ active: true });
    });

    it('is documented in the OpenAPI document', async () => {
      const document = (await sut.request({ method: 'GET', url: '/docs-json' })).json();
      const operation = document.paths['/revoke'].post;
      expect(operation.requestBody.content).toHaveProperty('application/x-www-form-urlencoded');
      expect(Object.keys(operation.responses)).toEqual(
        expect.arrayContaining(['200', '400', '401', '503']),
      );
      expect(operation.tags).toEqual(['oauth']);
    });
  });

  describe('audit (token.revoked)', () => {
    it('names the client and the jti or the family, where from, and never the token', async () => {
      const tokens = await signInForTokens(sut, web, user);
      const { jti } = decodeJwt(tokens.access_token);
      const family = await familyOf(sut, tokens.refresh_token!);
      const agent = { 'user-agent': 'revoker/1.0' };

      expectRevoked(await revoke(sut, web, { token: tokens.access_token }, agent));
      expectRevoked(await revoke(sut, web, { token: tokens.refresh_token! }, agent));

      const common = {
        type: 'token.revoked',
        outcome: 'success',
        actor_type: 'client',
        actor_id: web.client_id,
        ip: '127.0.0.1',
        user_agent: 'revoker/1.0',
      };
      expect(await auditRows(sut, jti!)).toEqual([
        {
          ...common,
          target_type: 'access_token',
          target_id: jti,
          details: { token_type: 'access_token' },
        },
      ]);
      // The family issued one access token (already revoked above; revoking again is harmless).
      expect(await auditRows(sut, family)).toEqual([
        {
          ...common,
          target_type: 'refresh_token_family',
          target_id: family,
          details: { token_type: 'refresh_token', access_tokens_revoked: 1 },
        },
      ]);
      const text = await allAuditText(sut);
      expect(text).not.toContain(tokens.access_token);
      expect(text).not.toContain(tokens.refresh_token!);
    });

    it("records a refused attempt on another client's token as a failure", async () => {
      const tokens = await signInForTokens(sut, web, user);
      const family = await familyOf(sut, tokens.refresh_token!);
      expect((await revoke(sut, other, { token: tokens.refresh_token! })).statusCode).toBe(400);
      // Recorded off the request path: give it a moment.
      let rows: AuditRow[] = [];
      for (let i = 0; i < 20 && rows.length === 0; i++) {
        rows = await auditRows(sut, family);
        if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(rows).toEqual([
        {
          type: 'token.revoked',
          outcome: 'failure',
          actor_type: 'client',
          actor_id: other.client_id,
          target_type: 'refresh_token_family',
          target_id: family,
          ip: '127.0.0.1',
          user_agent: 'lightMyRequest',
          details: { reason: 'issued to another client' },
        },
      ]);
    });
  });
});

// These need a PostgreSQL server of our own: one to cut off, one for two processes to share
// (embedded PGlite is one process). CI always sets TEST_DATABASE_URL.
describe(
  'revocation outage and processes (on a PostgreSQL server)',
  { skip: NEEDS_POSTGRES_SERVER },
  () => {
    describe('revocation while the database is unreachable', () => {
      const outage = processOnADatabaseToCutOff();

      it('is a 503 temporarily_unavailable, never a 200, and takes effect once retried', async () => {
        const user = await createUser(outage.sut);
        const web = await createClient(outage.sut);
        const checker = await createM2mClient(outage.sut, { scope: 'iam:check' });
        const service = await createM2mClient(outage.sut);
        const tokens = await signInForTokens(outage.sut, web, user);
        const serviceToken = await clientCredentialsToken(outage.sut, service);
        // The callers are known (cached), as on any live server: only the revocation needs storage.
        expect(await introspect(outage.sut, checker, serviceToken)).toMatchObject({ active: true });
        expect(await introspect(outage.sut, checker, tokens.access_token)).toMatchObject({
          active: true,
        });

        await cutOffDatabase(outage.name);

        for (const [caller, token] of [
          [service, serviceToken],
          [web, tokens.refresh_token!],
          [web, tokens.access_token],
        ] as const) {
          const response = await revoke(outage.sut, caller, { token });
          expect(response.statusCode).toBe(503);
          expect(response.headers['retry-after']).toBe('1');
          expect(response.headers['cache-control']).toBe('no-store');
          expect(response.json()).toEqual(UNAVAILABLE);
        }
        await restoreDatabase(outage.name);
        // Nothing was revoked, and the caller was told so (once the server has caught up with
        // what it may have missed, introspection answers again).
        expect(
          await within(10_000, async () => {
            const response = await outage.sut.postForm(
              '/introspect',
              { token: serviceToken },
              { authorization: basicAuth(checker.client_id, checker.client_secret) },
            );
            return response.statusCode === 200;
          }),
        ).toBe(true);
        expect(await introspect(outage.sut, checker, serviceToken)).toMatchObject({ active: true });
        expect(await introspect(outage.sut, checker, tokens.access_token)).toMatchObject({
          active: true,
        });
        expectRevoked(await revoke(outage.sut, service, { token: serviceToken }));
        expectRevoked(await revoke(outage.sut, web, { token: tokens.refresh_token! }));
        expect(await introspect(outage.sut, checker, serviceToken)).toEqual(INACTIVE);
        expect(await introspect(outage.sut, checker, tokens.access_token)).toEqual(INACTIVE);
      });
    });

    describe('revocation reaches every process', () => {
      const apps = twoProcessesOnOneDatabase();

      it('an access token revoked through one process is inactive and 401 at /userinfo in the other within one second', async () => {
        const user = await createUser(apps.first);
        const web = await createClient(apps.first);
        const checker = await createM2mClient(apps.first, { scope: 'iam:check' });
        const tokens = await signInForTokens(apps.first, web, user);
        expect(await introspect(apps.second, checker, tokens.access_token)).toMatchObject({
          active: true,
        });
        expect((await userinfo(apps.second, tokens.access_token)).statusCode).toBe(200);

        expectRevoked(await revoke(apps.first, web, { token: tokens.access_token }));

        expect(
          await within(1000, async () => {
            const answer = await introspect(apps.second, checker, tokens.access_token);
            return JSON.stringify(answer) === JSON.stringify(INACTIVE);
          }),
        ).toBe(true);
        const info = await userinfo(apps.second, tokens.access_token);
        expect(info.statusCode).toBe(401);
        expect(info.json()).toEqual(INVALID_TOKEN);
      });

      it("a refresh token revoked through one process ends its family's access tokens in the other within one second", async () => {
        const user = await createUser(apps.first);
        const web = await createClient(apps.first);
        const checker = await createM2mClient(apps.first, { scope: 'iam:check' });
        const tokens = await signInForTokens(apps.first, web, user);
        expect((await userinfo(apps.second, tokens.access_token)).statusCode).toBe(200);

        expectRevoked(await revoke(apps.first, web, { token: tokens.refresh_token! }));

        expect(
          await within(
            1000,
            async () => (await userinfo(apps.second, tokens.access_token)).statusCode === 401,
          ),
        ).toBe(true);
        expect(await introspect(apps.second, checker, tokens.access_token)).toEqual(INACTIVE);
        expect(await introspect(apps.second, checker, tokens.refresh_token!)).toEqual(INACTIVE);
      });
    });
  },
);
