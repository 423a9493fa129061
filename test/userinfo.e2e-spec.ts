import { expect } from 'expect';
import { decodeJwt } from 'jose';
import { after, before, describe, it } from 'node:test';
import {
  createClient,
  createUser,
  signInForTokens,
  TestClient,
  TestUser,
  TokenSet,
  userinfo,
} from './support/code-flow';
import { basicAuth, startTestApp, TestApp } from './support/test-app';

const INVALID_TOKEN = {
  error: 'invalid_token',
  error_description: 'the access token is invalid or expired',
};
const INVALID_TOKEN_CHALLENGE =
  'Bearer realm="gatehouse", error="invalid_token", error_description="the access token is invalid or expired"';

describe('userinfo (OIDC Core §5.3, RFC 6750 §3)', () => {
  let sut: TestApp;
  let user: TestUser;
  let client: TestClient;
  let tokens: TokenSet;
  let updatedAt: number;

  before(async () => {
    sut = await startTestApp();
    user = await createUser(sut, {
      name: 'Alice Liddell',
      given_name: 'Alice',
      family_name: 'Liddell',
      email_verified: true,
    });
    client = await createClient(sut);
    tokens = await signInForTokens(sut, client, user);
    const account = (await sut.admin('GET', `/admin/users/${user.id}`)).json();
    updatedAt = Math.floor(new Date(account.updated_at).getTime() / 1000);
  });
  after(() => sut.close());

  const post = (headers: Record<string, string>) =>
    sut.request({ method: 'POST', url: '/userinfo', headers });

  describe('answers', () => {
    it('GET with a Bearer token: 200 no-store with exactly the claims of the granted scopes', async () => {
      const response = await userinfo(sut, tokens.access_token);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.json()).toEqual({
        sub: user.id,
        preferred_username: user.username,
        name: 'Alice Liddell',
        given_name: 'Alice',
        family_name: 'Liddell',
        updated_at: updatedAt,
        email: `${user.username}@example.com`,
        email_verified: true,
      });
    });

    it('POST with a Bearer token answers the same', async () => {
      const response = await post({ authorization: `Bearer ${tokens.access_token}` });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual((await userinfo(sut, tokens.access_token)).json());
    });

    it("sub equals the ID token's sub", async () => {
      const response = await userinfo(sut, tokens.access_token);
      expect(response.json().sub).toBe(decodeJwt(tokens.id_token!).sub);
    });

    it('accepts the scheme name in any case (RFC 7235 §2.1)', async () => {
      const response = await sut.request({
        method: 'GET',
        url: '/userinfo',
        headers: { authorization: `bearer ${tokens.access_token}` },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().sub).toBe(user.id);
    });

    it('with scope openid alone: only sub', async () => {
      const narrow = await signInForTokens(sut, client, user, { scope: 'openid' });
      const response = await userinfo(sut, narrow.access_token);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ sub: user.id });
    });

    it('with openid email: sub, email and email_verified only', async () => {
      const narrow = await signInForTokens(sut, client, user, { scope: 'openid email' });
      const response = await userinfo(sut, narrow.access_token);
      expect(response.json()).toEqual({
        sub: user.id,
        email: `${user.username}@example.com`,
        email_verified: true,
      });
    });

    it('with openid profile: the profile claims only', async () => {
      const narrow = await signInForTokens(sut, client, user, { scope: 'openid profile' });
      const response = await userinfo(sut, narrow.access_token);
      expect(response.json()).toEqual({
        sub: user.id,
        preferred_username: user.username,
        name: 'Alice Liddell',
        given_name: 'Alice',
        family_name: 'Liddell',
        updated_at: updatedAt,
      });
    });

    it('reads the claims live: a profile change shows at once', async () => {
      const frank = await createUser(sut);
      const own = await signInForTokens(sut, client, frank, { scope: 'openid profile' });
      const patched = await sut.admin('PATCH', `/admin/users/${frank.id}`, { name: 'Frank N.' });
      expect(patched.statusCode).toBe(200);
      const response = await userinfo(sut, own.access_token);
      expect(response.json()).toMatchObject({ sub: frank.id, name: 'Frank N.' });
    });
  });

  describe('errors (RFC 6750 §3)', () => {
    it('no token: 401 with a bare Bearer challenge', async () => {
      const response = await sut.request({ method: 'GET', url: '/userinfo' });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
      expect(response.json()).toEqual({
        error: 'invalid_request',
        error_description: 'a Bearer access token is required',
      });
    });

    it('no token on POST: the same 401', async () => {
      const response = await post({});
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
    });

    it('another scheme (Basic) counts as no token: 401 with the bare challenge', async () => {
      const response = await post({ authorization: basicAuth(client.client_id, 'x') });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
    });

    it('a malformed token: 401 invalid_token with the Bearer error challenge', async () => {
      const response = await userinfo(sut, 'not-a-jwt');
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe(INVALID_TOKEN_CHALLENGE);
      expect(response.json()).toEqual(INVALID_TOKEN);
    });

    it('a token with a broken signature: 401 invalid_token', async () => {
      const [header, payload, signature] = tokens.access_token.split('.');
      const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
      const response = await userinfo(sut, `${header}.${payload}.${flipped}`);
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe(INVALID_TOKEN_CHALLENGE);
      expect(response.json()).toEqual(INVALID_TOKEN);
    });

    it('an ID token is not an access token: 401 invalid_token', async () => {
      const response = await userinfo(sut, tokens.id_token!);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual(INVALID_TOKEN);
    });

    it('a token without openid: 403 insufficient_scope naming the scope', async () => {
      const noOpenid = await signInForTokens(sut, client, user, { scope: 'profile email' });
      const response = await userinfo(sut, noOpenid.access_token);
      expect(response.statusCode).toBe(403);
      expect(response.headers['www-authenticate']).toBe(
        'Bearer realm="gatehouse", error="insufficient_scope", scope="openid"',
      );
      expect(response.json()).toEqual({
        error: 'insufficient_scope',
        error_description: 'the access token lacks the openid scope',
      });
    });

    it('a client_credentials token (no openid): 403 insufficient_scope', async () => {
      const response = await userinfo(sut, await sut.adminToken());
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({
        error: 'insufficient_scope',
        error_description: 'the access token lacks the openid scope',
      });
    });

    it('a client_credentials token with scope openid has no user behind it: 401 invalid_token', async () => {
      const created = await sut.admin('POST', '/admin/clients', {
        client_name: 'machine',
        client_type: 'm2m',
        scope: 'openid',
      });
      expect(created.statusCode).toBe(201);
      const { client_id, client_secret } = created.json();
      const token = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials', scope: 'openid' },
        { authorization: basicAuth(client_id, client_secret) },
      );
      expect(token.statusCode).toBe(200);
      const response = await userinfo(sut, token.json().access_token);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual(INVALID_TOKEN);
    });

    it('a disabled user: 401 invalid_token', async () => {
      const grace = await createUser(sut);
      const own = await signInForTokens(sut, client, grace, { scope: 'openid' });
      expect((await userinfo(sut, own.access_token)).statusCode).toBe(200);
      await sut.admin('PATCH', `/admin/users/${grace.id}`, { status: 'disabled' });
      const response = await userinfo(sut, own.access_token);
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe(INVALID_TOKEN_CHALLENGE);
      expect(response.json()).toEqual(INVALID_TOKEN);
    });

    it('a deleted user: 401 invalid_token', async () => {
      const heidi = await createUser(sut);
      const own = await signInForTokens(sut, client, heidi, { scope: 'openid' });
      expect((await sut.admin('DELETE', `/admin/users/${heidi.id}`)).statusCode).toBe(204);
      const response = await post({ authorization: `Bearer ${own.access_token}` });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual(INVALID_TOKEN);
    });

    it('a disabled client: 401 invalid_token', async () => {
      const doomed = await createClient(sut);
      const own = await signInForTokens(sut, doomed, user, { scope: 'openid' });
      const patched = await sut.admin('PATCH', `/admin/clients/${doomed.client_id}`, {
        status: 'disabled',
      });
      expect(patched.statusCode).toBe(200);
      const response = await userinfo(sut, own.access_token);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual(INVALID_TOKEN);
    });
  });
});
