import { expect } from 'expect';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  JSONWebKeySet,
  jwtVerify,
} from 'jose';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  authorizeAndGetCode,
  createClient,
  createPublicClient,
  createUser,
  dataSource,
  exchangeCode,
  pkcePair,
  REDIRECT_URI,
  refresh,
  signInForTokens,
  TestClient,
  TestUser,
  tokenRequest,
  userinfo,
} from './support/code-flow';
import { startTestApp, TestApp } from './support/test-app';
import { TestClock } from './support/clock';

const ISSUER = 'http://localhost:3000';

const grantError = (error_description: string) => ({ error: 'invalid_grant', error_description });
const CODE_INVALID = grantError("the authorization code is invalid, expired or not this client's");
const CODE_USED = grantError('the authorization code was already used');
const REDIRECT_MISMATCH = grantError('redirect_uri does not match the authorization request');
const VERIFIER_MISMATCH = grantError('the code_verifier does not match the code_challenge');
const REFRESH_INVALID = grantError('the refresh token is invalid, expired or revoked');

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

describe('authorization_code grant (RFC 6749 §4.1.3, RFC 7636)', () => {
  let sut: TestApp;
  let user: TestUser;
  let client: TestClient;
  // Sessions and ID tokens read this clock: a test moves it instead of waiting.
  const clock = new TestClock();

  before(async () => {
    sut = await startTestApp({}, { clock });
    user = await createUser(sut);
    client = await createClient(sut);
  });
  after(() => sut.close());

  describe('a successful exchange', () => {
    it('answers 200 no-store with a Bearer access token, the granted scope, an ID token and a refresh token', async () => {
      const result = await authorizeAndGetCode(sut, client, user);
      const response = await exchangeCode(sut, client, result);
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers.pragma).toBe('no-cache');
      expect(response.json()).toEqual({
        access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'openid profile email offline_access',
        id_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
      });
    });

    it('issues an RFC 9068 access token for the user, the client and the granted scope', async () => {
      const tokens = await signInForTokens(sut, client, user, { scope: 'openid email' });
      expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ typ: 'at+jwt' });
      const claims = decodeJwt(tokens.access_token);
      expect(claims).toEqual({
        iss: ISSUER,
        sub: user.id,
        aud: ISSUER,
        client_id: client.client_id,
        scope: 'openid email',
        iat: expect.any(Number),
        exp: claims.iat! + 900,
        jti: expect.any(String),
      });
    });

    it('issues no refresh token without offline_access', async () => {
      const result = await authorizeAndGetCode(sut, client, user, { scope: 'openid profile' });
      const response = await exchangeCode(sut, client, result);
      expect(response.statusCode).toBe(200);
      expect(Object.keys(response.json()).sort()).toEqual(
        ['access_token', 'expires_in', 'id_token', 'scope', 'token_type'].sort(),
      );
      expect(response.json().scope).toBe('openid profile');
    });

    it('issues no refresh token to a client without the refresh_token grant, even with offline_access', async () => {
      const noRefresh = await createClient(sut, { grant_types: ['authorization_code'] });
      const result = await authorizeAndGetCode(sut, noRefresh, user, {
        scope: 'openid offline_access',
      });
      const response = await exchangeCode(sut, noRefresh, result);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'openid offline_access',
        id_token: expect.any(String),
      });
    });

    it('issues no ID token without the openid scope', async () => {
      const result = await authorizeAndGetCode(sut, client, user, { scope: 'profile' });
      const response = await exchangeCode(sut, client, result);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'profile',
      });
    });

    it("uses the client's own access_token_lifetime for expires_in", async () => {
      const shortLived = await createClient(sut, { access_token_lifetime: 120 });
      const result = await authorizeAndGetCode(sut, shortLived, user, { scope: 'openid' });
      const response = await exchangeCode(sut, shortLived, result);
      expect(response.statusCode).toBe(200);
      expect(response.json().expires_in).toBe(120);
      const claims = decodeJwt(response.json().access_token);
      expect(claims.exp! - claims.iat!).toBe(120);
    });

    it('accepts redirect_uri at the token endpoint when the request left it out (single registered URI)', async () => {
      const result = await authorizeAndGetCode(sut, client, user, { sendRedirectUri: false });
      expect(result.callback.origin + result.callback.pathname).toBe(REDIRECT_URI);
      const response = await exchangeCode(sut, client, result);
      expect(response.statusCode).toBe(200);
    });

    it('needs no redirect_uri at the token endpoint when the request left it out', async () => {
      const result = await authorizeAndGetCode(sut, client, user, { sendRedirectUri: false });
      const response = await tokenRequest(sut, client, {
        grant_type: 'authorization_code',
        code: result.code,
        code_verifier: result.verifier!,
      });
      expect(response.statusCode).toBe(200);
    });

    it('accepts a code without PKCE from a confidential client that sent no challenge', async () => {
      const result = await authorizeAndGetCode(sut, client, user, { pkce: false });
      expect(result.verifier).toBeUndefined();
      const response = await exchangeCode(sut, client, result);
      expect(response.statusCode).toBe(200);
    });
  });

  describe('the code itself', () => {
    it('is at least 128 bits, stored only as its SHA-256, and lives 60 seconds', async () => {
      const { code } = await authorizeAndGetCode(sut, client, user);
      expect(code).toMatch(/^[A-Za-z0-9_-]{22,}$/);
      expect(Buffer.from(code, 'base64url').length).toBeGreaterThanOrEqual(16);
      const rows = await dataSource(sut).query<{ code_hash: string; lifetime: number }[]>(
        `SELECT code_hash, EXTRACT(EPOCH FROM expires_at - created_at)::float AS lifetime
         FROM authorization_codes WHERE code_hash = $1`,
        [sha256(code)],
      );
      expect(rows).toHaveLength(1);
      const plain = await dataSource(sut).query<unknown[]>(
        'SELECT 1 FROM authorization_codes WHERE code_hash = $1',
        [code],
      );
      expect(plain).toEqual([]);
      // RFC 6749 §4.1.2: short-lived; Gatehouse gives a code 60 s from its creation.
      expect(rows[0].lifetime).toBeGreaterThan(59.5);
      expect(rows[0].lifetime).toBeLessThan(60.5);
    });

    it('an expired code is invalid_grant', async () => {
      const result = await authorizeAndGetCode(sut, client, user);
      await dataSource(sut).query(
        "UPDATE authorization_codes SET expires_at = now() - interval '1 second' WHERE code_hash = $1",
        [sha256(result.code)],
      );
      const response = await exchangeCode(sut, client, result);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(CODE_INVALID);
    });

    it('an unknown code is invalid_grant', async () => {
      const response = await exchangeCode(sut, client, { code: 'A'.repeat(43) });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(CODE_INVALID);
    });

    it('a missing code is invalid_request', async () => {
      const response = await tokenRequest(sut, client, {
        grant_type: 'authorization_code',
        redirect_uri: REDIRECT_URI,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_request',
        error_description: 'code is required',
      });
    });
  });

  describe('single use (RFC 6749 §4.1.2)', () => {
    it('a second exchange is invalid_grant and revokes the access and refresh tokens of the first', async () => {
      const result = await authorizeAndGetCode(sut, client, user);
      const first = await exchangeCode(sut, client, result);
      expect(first.statusCode).toBe(200);
      const { access_token, refresh_token } = first.json();
      expect((await userinfo(sut, access_token)).statusCode).toBe(200);

      const second = await exchangeCode(sut, client, result);
      expect(second.statusCode).toBe(400);
      expect(second.headers['cache-control']).toBe('no-store');
      expect(second.json()).toEqual(CODE_USED);

      const info = await userinfo(sut, access_token);
      expect(info.statusCode).toBe(401);
      expect(info.json()).toEqual({
        error: 'invalid_token',
        error_description: 'the access token is invalid or expired',
      });
      const refreshed = await refresh(sut, client, refresh_token);
      expect(refreshed.statusCode).toBe(400);
      expect(refreshed.json()).toEqual(REFRESH_INVALID);
    });

    it('a replayed code also revokes the tokens rotated from its refresh token since', async () => {
      const result = await authorizeAndGetCode(sut, client, user);
      const first = await exchangeCode(sut, client, result);
      const rotated = await refresh(sut, client, first.json().refresh_token);
      expect(rotated.statusCode).toBe(200);
      const { access_token, refresh_token } = rotated.json();

      const replay = await exchangeCode(sut, client, result);
      expect(replay.statusCode).toBe(400);
      expect(replay.json()).toEqual(CODE_USED);

      expect((await userinfo(sut, access_token)).statusCode).toBe(401);
      const again = await refresh(sut, client, refresh_token);
      expect(again.statusCode).toBe(400);
      expect(again.json()).toEqual(REFRESH_INVALID);
    });

    it('20 parallel redemptions of one code: exactly one 200, the rest 400 invalid_grant, no 5xx', async () => {
      const result = await authorizeAndGetCode(sut, client, user);
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => exchangeCode(sut, client, result)),
      );
      const statuses = responses.map((response) => response.statusCode);
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 400)).toHaveLength(19);
      for (const response of responses.filter((r) => r.statusCode === 400)) {
        expect(response.json()).toEqual(CODE_USED);
      }
      // The others were replays: what the code issued is revoked (RFC 6749 §4.1.2).
      const winner = responses.find((response) => response.statusCode === 200)!.json();
      expect((await userinfo(sut, winner.access_token)).statusCode).toBe(401);
      expect((await refresh(sut, client, winner.refresh_token)).statusCode).toBe(400);
    });

    it('another client cannot redeem the code, and its attempt does not burn it', async () => {
      const other = await createClient(sut);
      const result = await authorizeAndGetCode(sut, client, user);
      const stolen = await exchangeCode(sut, other, result);
      expect(stolen.statusCode).toBe(400);
      expect(stolen.json()).toEqual(CODE_INVALID);

      const response = await exchangeCode(sut, client, result);
      expect(response.statusCode).toBe(200);
      expect(response.json().refresh_token).toEqual(expect.any(String));
      expect((await userinfo(sut, response.json().access_token)).statusCode).toBe(200);
    });

    it('a code stays with its client even when the other client is public and sends the right verifier', async () => {
      const spa = await createPublicClient(sut);
      const result = await authorizeAndGetCode(sut, client, user);
      const stolen = await exchangeCode(sut, spa, result);
      expect(stolen.statusCode).toBe(400);
      expect(stolen.json()).toEqual(CODE_INVALID);
      expect((await exchangeCode(sut, client, result)).statusCode).toBe(200);
    });
  });

  describe('binding to redirect_uri and PKCE', () => {
    it('a different redirect_uri is invalid_grant', async () => {
      const twoUris = await createClient(sut, {
        redirect_uris: [REDIRECT_URI, 'https://app.example.com/other'],
      });
      const result = await authorizeAndGetCode(sut, twoUris, user);
      const response = await exchangeCode(sut, twoUris, result, {
        redirect_uri: 'https://app.example.com/other',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(REDIRECT_MISMATCH);
    });

    it('a missing redirect_uri is invalid_grant when the authorization request had one', async () => {
      const result = await authorizeAndGetCode(sut, client, user);
      const response = await tokenRequest(sut, client, {
        grant_type: 'authorization_code',
        code: result.code,
        code_verifier: result.verifier!,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(REDIRECT_MISMATCH);
    });

    it('a wrong code_verifier is invalid_grant', async () => {
      const result = await authorizeAndGetCode(sut, client, user);
      const response = await exchangeCode(sut, client, {
        code: result.code,
        verifier: pkcePair().verifier,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(VERIFIER_MISMATCH);
    });

    it('a malformed code_verifier is invalid_grant', async () => {
      const result = await authorizeAndGetCode(sut, client, user);
      const response = await exchangeCode(sut, client, { code: result.code, verifier: 'short' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(VERIFIER_MISMATCH);
    });

    it('a missing code_verifier is invalid_grant when a challenge was sent', async () => {
      const result = await authorizeAndGetCode(sut, client, user);
      const response = await exchangeCode(sut, client, { code: result.code });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(VERIFIER_MISMATCH);
    });

    it('a code_verifier without a challenge in the request is invalid_grant', async () => {
      const result = await authorizeAndGetCode(sut, client, user, { pkce: false });
      const response = await exchangeCode(sut, client, {
        code: result.code,
        verifier: pkcePair().verifier,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(VERIFIER_MISMATCH);
    });

    it('a failed exchange uses the code up: the right verifier afterwards is invalid_grant', async () => {
      const result = await authorizeAndGetCode(sut, client, user);
      const wrong = await exchangeCode(sut, client, {
        code: result.code,
        verifier: pkcePair().verifier,
      });
      expect(wrong.statusCode).toBe(400);
      const right = await exchangeCode(sut, client, result);
      expect(right.statusCode).toBe(400);
      expect(right.json()).toEqual(CODE_USED);
    });
  });

  describe('public clients (token_endpoint_auth_method none)', () => {
    let spa: TestClient;
    before(async () => {
      spa = await createPublicClient(sut, {
        scope: 'openid profile offline_access',
      });
    });

    it('exchange the code with client_id and the verifier only', async () => {
      expect(spa.client_secret).toBeUndefined();
      const result = await authorizeAndGetCode(sut, spa, user, {
        scope: 'openid profile offline_access',
      });
      const response = await sut.postForm('/token', {
        grant_type: 'authorization_code',
        client_id: spa.client_id,
        code: result.code,
        redirect_uri: REDIRECT_URI,
        code_verifier: result.verifier!,
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'openid profile offline_access',
        id_token: expect.any(String),
        refresh_token: expect.any(String),
      });
      expect(decodeJwt(response.json().access_token)).toMatchObject({
        sub: user.id,
        client_id: spa.client_id,
      });
    });

    it('a public client with a wrong verifier is invalid_grant', async () => {
      const result = await authorizeAndGetCode(sut, spa, user, { scope: 'openid' });
      const response = await exchangeCode(sut, spa, {
        code: result.code,
        verifier: pkcePair().verifier,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(VERIFIER_MISMATCH);
    });

    it('a public client without its verifier is invalid_grant', async () => {
      const result = await authorizeAndGetCode(sut, spa, user, { scope: 'openid' });
      const response = await exchangeCode(sut, spa, { code: result.code });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(VERIFIER_MISMATCH);
    });

    it('an exchange without any client identification is 401 invalid_client', async () => {
      const result = await authorizeAndGetCode(sut, spa, user, { scope: 'openid' });
      const response = await sut.postForm('/token', {
        grant_type: 'authorization_code',
        code: result.code,
        redirect_uri: REDIRECT_URI,
        code_verifier: result.verifier!,
      });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        error: 'invalid_client',
        error_description:
          'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
      });
    });
  });

  describe('the user', () => {
    it('a user disabled between consent and exchange gets no tokens: invalid_grant', async () => {
      const bob = await createUser(sut);
      const result = await authorizeAndGetCode(sut, client, bob);
      expect(
        (await sut.admin('PATCH', `/admin/users/${bob.id}`, { status: 'disabled' })).statusCode,
      ).toBe(200);
      const response = await exchangeCode(sut, client, result);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(grantError('the user is no longer active'));
    });
  });

  describe('ID token (OIDC Core §2, §3.1.3.6), verified with jose against /jwks', () => {
    let jwks: JSONWebKeySet;
    before(async () => {
      const response = await sut.request({ method: 'GET', url: '/jwks' });
      expect(response.statusCode).toBe(200);
      jwks = response.json();
    });

    const verify = (idToken: string, audience: string) =>
      jwtVerify(idToken, createLocalJWKSet(jwks), {
        issuer: ISSUER,
        audience,
        algorithms: ['RS256'],
      });

    it('is RS256, signed by a key in /jwks, with exactly iss sub aud exp iat auth_time amr acr nonce at_hash azp and the scope claims', async () => {
      const carol = await createUser(sut, {
        name: 'Carol Example',
        given_name: 'Carol',
        family_name: 'Example',
        email_verified: true,
      });
      const started = Math.floor(Date.now() / 1000);
      const tokens = await signInForTokens(sut, client, carol, { nonce: 'n-0S6_WzA2Mj' });
      const finished = Math.floor(Date.now() / 1000);

      const { payload, protectedHeader } = await verify(tokens.id_token!, client.client_id);
      expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) });
      expect(jwks.keys.find((key) => key.kid === protectedHeader.kid)).toMatchObject({
        kty: 'RSA',
        alg: 'RS256',
      });
      const account = (await sut.admin('GET', `/admin/users/${carol.id}`)).json();
      expect(payload).toEqual({
        iss: ISSUER,
        sub: carol.id,
        aud: client.client_id,
        azp: client.client_id,
        exp: payload.iat! + 900,
        iat: expect.any(Number),
        auth_time: expect.any(Number),
        amr: ['pwd'],
        acr: 'urn:gatehouse:acr:password',
        nonce: 'n-0S6_WzA2Mj',
        at_hash: expect.any(String),
        preferred_username: carol.username,
        name: 'Carol Example',
        given_name: 'Carol',
        family_name: 'Example',
        updated_at: Math.floor(new Date(account.updated_at).getTime() / 1000),
        email: `${carol.username}@example.com`,
        email_verified: true,
      });
      expect(payload.iat).toBeGreaterThanOrEqual(started);
      expect(payload.iat).toBeLessThanOrEqual(finished);
      expect(payload.auth_time).toBeGreaterThanOrEqual(started);
      expect(payload.auth_time).toBeLessThanOrEqual(payload.iat!);
    });

    it('at_hash is the base64url left half of SHA-256 of the access token', async () => {
      const tokens = await signInForTokens(sut, client, user, { scope: 'openid' });
      const digest = createHash('sha256').update(tokens.access_token).digest();
      const { payload } = await verify(tokens.id_token!, client.client_id);
      expect(payload.at_hash).toBe(digest.subarray(0, 16).toString('base64url'));
    });

    it('with scope openid alone it carries no profile or email claims, and no nonce when none was sent', async () => {
      const tokens = await signInForTokens(sut, client, user, { scope: 'openid' });
      const { payload } = await verify(tokens.id_token!, client.client_id);
      expect(Object.keys(payload).sort()).toEqual(
        ['acr', 'amr', 'at_hash', 'aud', 'auth_time', 'azp', 'exp', 'iat', 'iss', 'sub'].sort(),
      );
    });

    it('scope email adds exactly email and email_verified', async () => {
      const tokens = await signInForTokens(sut, client, user, {
        scope: 'openid email',
        nonce: 'abc',
      });
      const { payload } = await verify(tokens.id_token!, client.client_id);
      expect(payload).toEqual({
        iss: ISSUER,
        sub: user.id,
        aud: client.client_id,
        azp: client.client_id,
        exp: expect.any(Number),
        iat: expect.any(Number),
        auth_time: expect.any(Number),
        amr: ['pwd'],
        acr: 'urn:gatehouse:acr:password',
        nonce: 'abc',
        at_hash: expect.any(String),
        email: `${user.username}@example.com`,
        email_verified: false,
      });
    });

    it('scope profile adds the profile claims the user has and no email', async () => {
      const tokens = await signInForTokens(sut, client, user, { scope: 'openid profile' });
      const { payload } = await verify(tokens.id_token!, client.client_id);
      expect(payload).toEqual({
        iss: ISSUER,
        sub: user.id,
        aud: client.client_id,
        azp: client.client_id,
        exp: expect.any(Number),
        iat: expect.any(Number),
        auth_time: expect.any(Number),
        amr: ['pwd'],
        acr: 'urn:gatehouse:acr:password',
        at_hash: expect.any(String),
        preferred_username: user.username,
        name: 'Alice Liddell',
        updated_at: expect.any(Number),
      });
    });

    it('auth_time is when the user signed in, not when a later code was issued from the same session', async () => {
      const first = await authorizeAndGetCode(sut, client, user, { scope: 'openid' });
      const firstTokens = (await exchangeCode(sut, client, first)).json();
      const authTime = decodeJwt(firstTokens.id_token).auth_time as number;
      clock.advance(1100);
      const second = await authorizeAndGetCode(sut, client, user, {
        scope: 'openid',
        browser: first.browser,
      });
      const { payload } = await verify(
        (await exchangeCode(sut, client, second)).json().id_token,
        client.client_id,
      );
      expect(payload.auth_time).toBe(authTime);
      expect(payload.iat).toBeGreaterThan(authTime);
    });

    it('is addressed to the public client that asked for it', async () => {
      const spa = await createPublicClient(sut, { scope: 'openid' });
      const tokens = await signInForTokens(sut, spa, user, { scope: 'openid', nonce: 'x' });
      const { payload } = await verify(tokens.id_token!, spa.client_id);
      expect(payload).toMatchObject({ aud: spa.client_id, azp: spa.client_id, nonce: 'x' });
      await expect(verify(tokens.id_token!, client.client_id)).rejects.toMatchObject({
        code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
        claim: 'aud',
      });
    });
  });
});
