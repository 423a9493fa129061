import { expect } from 'expect';
import { decodeJwt } from 'jose';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { JwtService } from '../src/crypto/jwt.service';
import {
  createClient,
  createPublicClient,
  createUser,
  dataSource,
  refresh,
  signInForTokens,
  TestClient,
  TestUser,
  TokenSet,
  userinfo,
} from './support/code-flow';
import { basicAuth, InjectResult, startTestApp, TestApp } from './support/test-app';
import { NEEDS_POSTGRES_SERVER } from './support/test-database';
import { cutOffDatabase, restoreDatabase } from './support/database-server';
import { processOnADatabaseToCutOff } from './support/process-to-cut-off';
import { within } from './support/within';

const ISSUER = 'http://localhost:3000';
const API = 'https://api.example.com';
const USER_SCOPE = 'openid profile email offline_access';
const INACTIVE = { active: false };

interface M2mClient extends TestClient {
  client_secret: string;
}

/** An m2m client (client_credentials, client_secret_basic) with `overrides` as admin API fields. */
async function createM2mClient(
  sut: TestApp,
  overrides: Record<string, unknown> = {},
): Promise<M2mClient> {
  const response = await sut.admin('POST', '/admin/clients', {
    client_name: 'Resource server',
    client_type: 'm2m',
    ...overrides,
  });
  expect(response.statusCode).toBe(201);
  const { client_id, client_secret } = response.json();
  return { client_id, client_secret };
}

/** POST /introspect authenticated with client_secret_basic as `caller`. */
function introspect(
  sut: TestApp,
  caller: TestClient,
  form: Record<string, string | string[]>,
): Promise<InjectResult> {
  return sut.postForm('/introspect', form, {
    authorization: basicAuth(caller.client_id, caller.client_secret!),
  });
}

/** The introspection answer's body, after checking the response is a 200 nobody caches. */
async function answer(
  sut: TestApp,
  caller: TestClient,
  token: string,
  extra: Record<string, string> = {},
): Promise<unknown> {
  const response = await introspect(sut, caller, { token, ...extra });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.headers['cache-control']).toBe('no-store');
  return response.json();
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

/** What introspection must say of a live access token: its own claims, and token_type Bearer. */
function activeAccessToken(token: string): Record<string, unknown> {
  const { iss, sub, aud, client_id, scope, iat, exp, jti } = decodeJwt(token);
  return { active: true, scope, client_id, sub, aud, iss, exp, iat, jti, token_type: 'Bearer' };
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** The stored times of a refresh token, as epoch seconds. */
async function refreshTimes(
  sut: TestApp,
  token: string,
): Promise<{ iat: number; exp: number; familyExp: number; idleExp: number }> {
  const [row] = await dataSource(sut).query<
    { created_at: Date; expires_at: Date; idle_expires_at: Date }[]
  >('SELECT created_at, expires_at, idle_expires_at FROM refresh_tokens WHERE token_hash = $1', [
    sha256(token),
  ]);
  const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
  return {
    iat: seconds(row.created_at),
    exp: Math.min(seconds(row.expires_at), seconds(row.idle_expires_at)),
    familyExp: seconds(row.expires_at),
    idleExp: seconds(row.idle_expires_at),
  };
}

/** An access token signed by our own current key, with `claims` over sensible defaults. */
function signAccessToken(sut: TestApp, claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sut.app.get(JwtService).sign(
    {
      iss: ISSUER,
      sub: 'someone',
      aud: ISSUER,
      client_id: 'someone',
      scope: '',
      iat: now,
      exp: now + 60,
      jti: randomUUID(),
      ...claims,
    },
    'at+jwt',
    sut.config.keys.accessTokenAlgorithm,
  );
}

describe('introspection (RFC 7662)', () => {
  let sut: TestApp;
  let user: TestUser;
  /** A web app whose tokens are addressed to API. */
  let web: TestClient;
  /** Another web app; its tokens are addressed to the issuer (no registered audience). */
  let other: TestClient;
  /** The resource server API: registered audience API. */
  let api: M2mClient;
  /** A policy point holding iam:check. */
  let checker: M2mClient;
  /** Registers the issuer itself as its audience. */
  let issuerAudience: M2mClient;
  let webTokens: TokenSet;
  let otherTokens: TokenSet;

  before(async () => {
    sut = await startTestApp();
    user = await createUser(sut);
    web = await createClient(sut, { audience: [API] });
    other = await createClient(sut);
    api = await createM2mClient(sut, { audience: [API] });
    checker = await createM2mClient(sut, { client_name: 'Policy point', scope: 'iam:check' });
    issuerAudience = await createM2mClient(sut, { audience: [ISSUER] });
    webTokens = await signInForTokens(sut, web, user);
    otherTokens = await signInForTokens(sut, other, user);
  });
  after(() => sut.close());

  describe('active tokens', () => {
    it("a user's access token, asked by its own client: exactly active scope client_id sub aud iss exp iat jti token_type", async () => {
      const body = await answer(sut, web, webTokens.access_token);
      const { iat, jti } = decodeJwt(webTokens.access_token);
      expect(body).toEqual({
        active: true,
        scope: USER_SCOPE,
        client_id: web.client_id,
        sub: user.id,
        aud: API,
        iss: ISSUER,
        exp: iat! + 900,
        iat,
        jti,
        token_type: 'Bearer',
      });
      expect(jti).toEqual(expect.any(String));
    });

    it('a client_credentials token, asked by its client: sub is the client_id (RFC 9068 §2.2)', async () => {
      const service = await createM2mClient(sut, { scope: 'reports audit' });
      const token = await clientCredentialsToken(sut, service);
      const body = await answer(sut, service, token);
      expect(body).toEqual(activeAccessToken(token));
      expect(body).toMatchObject({
        sub: service.client_id,
        client_id: service.client_id,
        scope: 'reports audit',
        aud: ISSUER,
      });
    });

    it("a refresh token, asked by its own client: token_type refresh_token, the family's scope, exp at the idle end", async () => {
      const body = await answer(sut, web, webTokens.refresh_token!);
      const times = await refreshTimes(sut, webTokens.refresh_token!);
      expect(body).toEqual({
        active: true,
        scope: USER_SCOPE,
        client_id: web.client_id,
        sub: user.id,
        iss: ISSUER,
        exp: times.exp,
        iat: times.iat,
        token_type: 'refresh_token',
      });
      // The idle lifetime (14 days) ends before the family's absolute end (30 days).
      expect(times.exp).toBe(times.idleExp);
      expect(times.idleExp).toBeLessThan(times.familyExp);
    });

    it('token_type_hint is a hint only: a wrong or unknown hint gives the same answer', async () => {
      const access = activeAccessToken(webTokens.access_token);
      expect(
        await answer(sut, web, webTokens.access_token, { token_type_hint: 'refresh_token' }),
      ).toEqual(access);
      expect(
        await answer(sut, web, webTokens.access_token, { token_type_hint: 'id_token' }),
      ).toEqual(access);
      const refreshAnswer = await answer(sut, web, webTokens.refresh_token!);
      expect(
        await answer(sut, web, webTokens.refresh_token!, { token_type_hint: 'access_token' }),
      ).toEqual(refreshAnswer);
    });

    it('a client registered for client_secret_post authenticates in the form', async () => {
      const poster = await createM2mClient(sut, {
        audience: [API],
        token_endpoint_auth_method: 'client_secret_post',
      });
      const response = await sut.postForm('/introspect', {
        token: webTokens.access_token,
        client_id: poster.client_id,
        client_secret: poster.client_secret,
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual(activeAccessToken(webTokens.access_token));
    });
  });

  describe('whose business a token is (RFC 7662 §4)', () => {
    it("another client's access token is exactly {active: false}", async () => {
      expect(await answer(sut, other, webTokens.access_token)).toEqual(INACTIVE);
      expect(await answer(sut, web, otherTokens.access_token)).toEqual(INACTIVE);
    });

    it("another client's refresh token is exactly {active: false}", async () => {
      expect(await answer(sut, other, webTokens.refresh_token!)).toEqual(INACTIVE);
      expect(await answer(sut, api, webTokens.refresh_token!)).toEqual(INACTIVE);
    });

    it('a client may introspect access tokens addressed to one of its registered audiences', async () => {
      expect(await answer(sut, api, webTokens.access_token)).toEqual(
        activeAccessToken(webTokens.access_token),
      );
      // The other app's token is addressed to the issuer, not to API.
      expect(await answer(sut, api, otherTokens.access_token)).toEqual(INACTIVE);
    });

    it('an audience in an aud array is enough', async () => {
      const token = await signAccessToken(sut, {
        aud: ['https://elsewhere.example.com', API],
        client_id: web.client_id,
        sub: web.client_id,
      });
      expect(await answer(sut, api, token)).toMatchObject({
        active: true,
        aud: ['https://elsewhere.example.com', API],
      });
    });

    it('registering the issuer as an audience opens no token addressed to the issuer', async () => {
      expect(decodeJwt(otherTokens.access_token).aud).toBe(ISSUER);
      expect(await answer(sut, issuerAudience, otherTokens.access_token)).toEqual(INACTIVE);
    });

    it('a client holding iam:check may introspect any access or refresh token', async () => {
      expect(await answer(sut, checker, webTokens.access_token)).toEqual(
        activeAccessToken(webTokens.access_token),
      );
      expect(await answer(sut, checker, otherTokens.access_token)).toEqual(
        activeAccessToken(otherTokens.access_token),
      );
      expect(await answer(sut, checker, webTokens.refresh_token!)).toEqual(
        await answer(sut, web, webTokens.refresh_token!),
      );
    });

    it('iam:check counts only as a registered scope: the same client without it sees nothing', async () => {
      const plain = await createM2mClient(sut, { scope: 'reports:read' });
      expect(await answer(sut, plain, webTokens.access_token)).toEqual(INACTIVE);
    });
  });

  describe('everything else is exactly {active: false}', () => {
    it('a token never issued (opaque), garbage, and an empty-looking token', async () => {
      expect(await answer(sut, checker, 'A'.repeat(43))).toEqual(INACTIVE);
      expect(await answer(sut, checker, 'not a token at all')).toEqual(INACTIVE);
      expect(await answer(sut, checker, '...')).toEqual(INACTIVE);
    });

    it('a malformed JWT and a JWT whose signature was tampered with', async () => {
      expect(await answer(sut, checker, 'a.b.c')).toEqual(INACTIVE);
      const [header, payload, signature] = webTokens.access_token.split('.');
      const flipped = signature[10] === 'A' ? 'B' : 'A';
      const tampered = `${header}.${payload}.${signature.slice(0, 10)}${flipped}${signature.slice(11)}`;
      expect(await answer(sut, checker, tampered)).toEqual(INACTIVE);
    });

    it('an expired access token signed by our own key', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = await signAccessToken(sut, {
        client_id: checker.client_id,
        sub: checker.client_id,
        iat: now - 600,
        exp: now - 60,
      });
      expect(await answer(sut, checker, token)).toEqual(INACTIVE);
    });

    it('a token from another issuer, and an ID token (typ JWT, not at+jwt)', async () => {
      const foreign = await signAccessToken(sut, {
        iss: 'https://other-issuer.example.com',
        client_id: checker.client_id,
        sub: checker.client_id,
      });
      expect(await answer(sut, checker, foreign)).toEqual(INACTIVE);
      expect(await answer(sut, web, webTokens.id_token!)).toEqual(INACTIVE);
    });

    it('a rotated refresh token; its successor is active', async () => {
      const tokens = await signInForTokens(sut, web, user);
      const rotated = await refresh(sut, web, tokens.refresh_token!);
      expect(rotated.statusCode).toBe(200);
      expect(await answer(sut, web, tokens.refresh_token!)).toEqual(INACTIVE);
      expect(await answer(sut, web, rotated.json().refresh_token as string)).toMatchObject({
        active: true,
        token_type: 'refresh_token',
      });
    });

    it('a refresh token past its idle end or its absolute end', async () => {
      const idle = await signInForTokens(sut, web, user);
      const absolute = await signInForTokens(sut, web, user);
      await dataSource(sut).query(
        `UPDATE refresh_tokens SET idle_expires_at = now() - interval '1 second' WHERE token_hash = $1`,
        [sha256(idle.refresh_token!)],
      );
      await dataSource(sut).query(
        `UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`,
        [sha256(absolute.refresh_token!)],
      );
      expect(await answer(sut, web, idle.refresh_token!)).toEqual(INACTIVE);
      expect(await answer(sut, web, absolute.refresh_token!)).toEqual(INACTIVE);
    });

    it('a revoked access token is inactive, and /userinfo answers it 401', async () => {
      const tokens = await signInForTokens(sut, web, user);
      const revoked = await sut.postForm(
        '/revoke',
        { token: tokens.access_token },
        { authorization: basicAuth(web.client_id, web.client_secret!) },
      );
      expect(revoked.statusCode).toBe(200);
      expect(await answer(sut, web, tokens.access_token)).toEqual(INACTIVE);
      expect(await answer(sut, checker, tokens.access_token)).toEqual(INACTIVE);
      const info = await userinfo(sut, tokens.access_token);
      expect(info.statusCode).toBe(401);
      expect(info.json()).toEqual({
        error: 'invalid_token',
        error_description: 'the access token is invalid or expired',
      });
    });

    it("a disabled user's access and refresh tokens", async () => {
      const leaving = await createUser(sut);
      const tokens = await signInForTokens(sut, web, leaving);
      expect(await answer(sut, web, tokens.access_token)).toMatchObject({ active: true });
      const disabled = await sut.admin('PATCH', `/admin/users/${leaving.id}`, {
        status: 'disabled',
      });
      expect(disabled.statusCode).toBe(200);
      expect(await answer(sut, web, tokens.access_token)).toEqual(INACTIVE);
      expect(await answer(sut, web, tokens.refresh_token!)).toEqual(INACTIVE);
    });

    it("a disabled client's access and refresh tokens, even to an iam:check holder", async () => {
      const doomed = await createClient(sut);
      const tokens = await signInForTokens(sut, doomed, user);
      expect(await answer(sut, checker, tokens.access_token)).toMatchObject({ active: true });
      expect(await answer(sut, checker, tokens.refresh_token!)).toMatchObject({ active: true });
      const disabled = await sut.admin('PATCH', `/admin/clients/${doomed.client_id}`, {
        status: 'disabled',
      });
      expect(disabled.statusCode).toBe(200);
      expect(await answer(sut, checker, tokens.access_token)).toEqual(INACTIVE);
      expect(await answer(sut, checker, tokens.refresh_token!)).toEqual(INACTIVE);
    });
  });

  describe('the request', () => {
    it('without token: 400 invalid_request, no-store (RFC 7662 §2.1)', async () => {
      const response = await introspect(sut, web, {});
      expect(response.statusCode).toBe(400);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.json()).toEqual({
        error: 'invalid_request',
        error_description: 'token is required',
      });
    });

    it('with token given twice: 400 invalid_request (RFC 6749 §3.2)', async () => {
      const response = await introspect(sut, web, {
        token: [webTokens.access_token, webTokens.access_token],
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_request',
        error_description: 'token: is repeated',
      });
    });

    it('as JSON: 400 invalid_request, the form is required', async () => {
      const response = await sut.request({
        method: 'POST',
        url: '/introspect',
        headers: {
          'content-type': 'application/json',
          authorization: basicAuth(web.client_id, web.client_secret!),
        },
        payload: { token: webTokens.access_token },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_request',
        error_description: 'the request must be application/x-www-form-urlencoded (RFC 6749 §3.2)',
      });
    });

    it('without client authentication: 401 invalid_client, no challenge', async () => {
      const response = await sut.postForm('/introspect', { token: webTokens.access_token });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBeUndefined();
      expect(response.json()).toEqual({
        error: 'invalid_client',
        error_description:
          'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
      });
    });

    it('with a wrong secret in Basic: 401 invalid_client with a Basic challenge, whatever the token', async () => {
      const response = await sut.postForm(
        '/introspect',
        { token: webTokens.access_token },
        { authorization: basicAuth(web.client_id, 'wrong-secret') },
      );
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Basic realm="gatehouse", charset="UTF-8"');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.json()).toEqual({
        error: 'invalid_client',
        error_description:
          'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
      });
    });

    it('as a public client (nothing to authenticate with): 401 invalid_client', async () => {
      const spa = await createPublicClient(sut);
      const response = await sut.postForm('/introspect', {
        token: webTokens.access_token,
        client_id: spa.client_id,
      });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        error: 'invalid_client',
        error_description:
          'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
      });
    });

    it('is documented in the OpenAPI document with its form and answer', async () => {
      const document = (await sut.request({ method: 'GET', url: '/docs-json' })).json();
      const operation = document.paths['/introspect'].post;
      expect(operation.requestBody.content).toHaveProperty('application/x-www-form-urlencoded');
      expect(Object.keys(operation.responses)).toEqual(
        expect.arrayContaining(['200', '400', '401', '503']),
      );
      const schema = operation.responses['200'].content['application/json'].schema;
      const name = (schema.$ref as string).split('/').pop()!;
      expect(Object.keys(document.components.schemas[name].properties)).toEqual(
        expect.arrayContaining([
          'active',
          'scope',
          'client_id',
          'sub',
          'aud',
          'iss',
          'exp',
          'iat',
          'jti',
          'token_type',
        ]),
      );
      expect(document.components.schemas[name].required).toEqual(['active']);
    });
  });
});

// Cutting the database off needs a PostgreSQL server of our own (see database-outage.e2e-spec).
describe('introspection outage (on a PostgreSQL server)', { skip: NEEDS_POSTGRES_SERVER }, () => {
  describe('introspection while the database is unreachable', () => {
    const outage = processOnADatabaseToCutOff();

    it('judges access tokens from memory until it notices the gap in change notifications, then 503 until caught up', async () => {
      const user = await createUser(outage.sut);
      const web = await createClient(outage.sut);
      const tokens = await signInForTokens(outage.sut, web, user);
      const service = await createM2mClient(outage.sut);
      const serviceToken = await clientCredentialsToken(outage.sut, service);
      // Warm the caller's and the user's directory entries, as any live server has them.
      expect(await answer(outage.sut, web, tokens.access_token)).toMatchObject({ active: true });
      expect(await answer(outage.sut, service, serviceToken)).toMatchObject({ active: true });

      await cutOffDatabase(outage.name);
      expect((await outage.sut.request({ method: 'GET', url: '/health/ready' })).statusCode).toBe(
        503,
      );

      // Answered from memory (no database round-trip) while nothing can have been missed; once
      // the change notifications are lost, a revocation elsewhere could have been: 503, never
      // a token called active that might not be.
      const unavailable = (response: InjectResult) =>
        response.statusCode === 503 &&
        response.headers['retry-after'] === '1' &&
        response.json().error === 'temporarily_unavailable';
      expect(
        await within(5000, async () => {
          const response = await introspect(outage.sut, web, { token: tokens.access_token });
          if (response.statusCode === 200) {
            expect(response.json()).toEqual(activeAccessToken(tokens.access_token));
            return false;
          }
          return unavailable(response);
        }),
      ).toBe(true);
      expect(unavailable(await introspect(outage.sut, service, { token: serviceToken }))).toBe(
        true,
      );
      // What needs no revocation list is still answered: a token that is not ours.
      expect(await answer(outage.sut, web, 'no such token')).toEqual(INACTIVE);

      const refreshAnswer = await introspect(outage.sut, web, { token: tokens.refresh_token! });
      expect(refreshAnswer.statusCode).toBe(503);
      expect(refreshAnswer.headers['retry-after']).toBe('1');
      expect(refreshAnswer.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'the service is temporarily unavailable',
      });

      // Back: it reconnects, catches up, and answers again, without a restart.
      await restoreDatabase(outage.name);
      expect(
        await within(10_000, async () => {
          const response = await introspect(outage.sut, web, { token: tokens.access_token });
          return response.statusCode === 200;
        }),
      ).toBe(true);
      expect(await answer(outage.sut, web, tokens.access_token)).toEqual(
        activeAccessToken(tokens.access_token),
      );
    });
  });
});
