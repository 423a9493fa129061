import { expect } from 'expect';
import { decodeJwt } from 'jose';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  authorizeAndGetCode,
  createClient,
  createPublicClient,
  createUser,
  dataSource,
  exchangeCode,
  refresh,
  signInForTokens,
  TestClient,
  TestUser,
  TokenSet,
  userinfo,
} from './support/code-flow';
import { startTestApp, TestApp } from './support/test-app';

const grantError = (error_description: string) => ({ error: 'invalid_grant', error_description });
const REFRESH_INVALID = grantError('the refresh token is invalid, expired or revoked');
const REFRESH_USED = grantError('the refresh token was already used');
const FULL_SCOPE = 'openid profile email offline_access';

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

interface RefreshRow {
  family_id: string;
  expires_at: Date;
  idle_expires_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
}

describe('refresh_token grant (RFC 6749 §6, rotation per OAuth 2.0 Security BCP §4.14)', () => {
  let sut: TestApp;
  let user: TestUser;
  let client: TestClient;

  before(async () => {
    sut = await startTestApp();
    user = await createUser(sut);
    client = await createClient(sut);
  });
  after(() => sut.close());

  const signIn = (who: TestUser = user, as: TestClient = client, scope = FULL_SCOPE) =>
    signInForTokens(sut, as, who, { scope });

  const row = async (token: string): Promise<RefreshRow> => {
    const rows = await dataSource(sut).query<RefreshRow[]>(
      'SELECT family_id, expires_at, idle_expires_at, rotated_at, revoked_at FROM refresh_tokens WHERE token_hash = $1',
      [sha256(token)],
    );
    expect(rows).toHaveLength(1);
    return rows[0];
  };

  describe('rotation', () => {
    it('answers 200 no-store with new access, ID and refresh tokens; the new refresh token differs', async () => {
      const first = await signIn();
      const response = await refresh(sut, client, first.refresh_token!);
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers.pragma).toBe('no-cache');
      const body = response.json<TokenSet>();
      expect(body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        scope: FULL_SCOPE,
        id_token: expect.any(String),
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/),
      });
      expect(body.refresh_token).not.toBe(first.refresh_token);
      expect(body.access_token).not.toBe(first.access_token);
      expect(decodeJwt(body.access_token)).toMatchObject({
        sub: user.id,
        client_id: client.client_id,
        scope: FULL_SCOPE,
      });
      expect((await userinfo(sut, body.access_token)).statusCode).toBe(200);
    });

    it('the refreshed ID token keeps sub, aud, azp, auth_time, amr and acr, and its at_hash matches the new access token', async () => {
      const first = await signInForTokens(sut, client, user, { scope: FULL_SCOPE, nonce: 'n1' });
      const original = decodeJwt(first.id_token!);
      const body = (await refresh(sut, client, first.refresh_token!)).json<TokenSet>();
      const claims = decodeJwt(body.id_token!);
      const digest = createHash('sha256').update(body.access_token).digest();
      expect(claims).toMatchObject({
        iss: original.iss,
        sub: user.id,
        aud: client.client_id,
        azp: client.client_id,
        auth_time: original.auth_time,
        amr: ['pwd'],
        acr: 'urn:gatehouse:acr:password',
        at_hash: digest.subarray(0, 16).toString('base64url'),
      });
      expect(claims.nonce).toBeUndefined();
    });

    it('is stored only as a hash, in the same family, with the family end kept and the idle end moved on', async () => {
      const first = await signIn();
      const plain = await dataSource(sut).query<unknown[]>(
        'SELECT 1 FROM refresh_tokens WHERE token_hash = $1',
        [first.refresh_token!],
      );
      expect(plain).toEqual([]);
      const before = await row(first.refresh_token!);
      expect(before.rotated_at).toBeNull();

      const second = (await refresh(sut, client, first.refresh_token!)).json<TokenSet>();
      const old = await row(first.refresh_token!);
      const next = await row(second.refresh_token!);
      expect(old.rotated_at).not.toBeNull();
      expect(next.family_id).toBe(before.family_id);
      expect(new Date(next.expires_at).getTime()).toBe(new Date(before.expires_at).getTime());
      const idle = new Date(next.idle_expires_at).getTime() - Date.now();
      const configured = sut.config.tokens.refreshTokenIdleLifetime * 1000;
      expect(idle).toBeGreaterThan(configured - 10_000);
      expect(idle).toBeLessThanOrEqual(configured);
    });

    it("the family lasts the client's refresh_token_lifetime, and the idle end never passes it", async () => {
      const shortFamily = await createClient(sut, { refresh_token_lifetime: 600 });
      const tokens = await signIn(user, shortFamily);
      const stored = await row(tokens.refresh_token!);
      const lifetime = new Date(stored.expires_at).getTime() - Date.now();
      expect(lifetime).toBeGreaterThan(590_000);
      expect(lifetime).toBeLessThanOrEqual(600_000);
      expect(new Date(stored.idle_expires_at).getTime()).toBe(
        new Date(stored.expires_at).getTime(),
      );
    });

    it('a public client refreshes with its client_id only', async () => {
      const spa = await createPublicClient(sut);
      const tokens = await signIn(user, spa);
      const response = await sut.postForm('/token', {
        grant_type: 'refresh_token',
        client_id: spa.client_id,
        refresh_token: tokens.refresh_token!,
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().refresh_token).toEqual(expect.any(String));
    });
  });

  describe('reuse detection', () => {
    it('a rotated token is invalid_grant, and its reuse revokes the whole family: refresh and access tokens', async () => {
      const first = await signIn();
      const second = (await refresh(sut, client, first.refresh_token!)).json<TokenSet>();
      const third = (await refresh(sut, client, second.refresh_token!)).json<TokenSet>();
      expect((await userinfo(sut, third.access_token)).statusCode).toBe(200);

      const reuse = await refresh(sut, client, first.refresh_token!);
      expect(reuse.statusCode).toBe(400);
      expect(reuse.headers['cache-control']).toBe('no-store');
      expect(reuse.json()).toEqual(REFRESH_USED);

      const newest = await refresh(sut, client, third.refresh_token!);
      expect(newest.statusCode).toBe(400);
      expect(newest.json()).toEqual(REFRESH_INVALID);
      for (const token of [first.access_token, second.access_token, third.access_token]) {
        const info = await userinfo(sut, token);
        expect(info.statusCode).toBe(401);
        expect(info.json()).toEqual({
          error: 'invalid_token',
          error_description: 'the access token is invalid or expired',
        });
      }
      expect((await row(third.refresh_token!)).revoked_at).not.toBeNull();
    });

    it("revoking one family leaves the user's other families working", async () => {
      const stolen = await signIn();
      const other = await signIn();
      await refresh(sut, client, stolen.refresh_token!);
      expect((await refresh(sut, client, stolen.refresh_token!)).statusCode).toBe(400);

      expect((await userinfo(sut, other.access_token)).statusCode).toBe(200);
      expect((await refresh(sut, client, other.refresh_token!)).statusCode).toBe(200);
    });

    it('50 parallel refreshes of one token: exactly one 200, the rest 400 invalid_grant, no 5xx', async () => {
      const tokens = await signIn();
      const responses = await Promise.all(
        Array.from({ length: 50 }, () => refresh(sut, client, tokens.refresh_token!)),
      );
      const statuses = responses.map((response) => response.statusCode);
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 400)).toHaveLength(49);
      for (const response of responses.filter((r) => r.statusCode === 400)) {
        expect(response.json()).toEqual(expect.objectContaining({ error: 'invalid_grant' }));
      }
      // The losers presented a rotated token: reuse, so the winner's family is revoked too.
      const winner = responses.find((response) => response.statusCode === 200)!.json<TokenSet>();
      expect((await refresh(sut, client, winner.refresh_token!)).json()).toEqual(REFRESH_INVALID);
    });
  });

  describe('binding to the client', () => {
    it("another client's attempt is invalid_grant and does not burn the token", async () => {
      const other = await createClient(sut);
      const tokens = await signIn();
      const stolen = await refresh(sut, other, tokens.refresh_token!);
      expect(stolen.statusCode).toBe(400);
      expect(stolen.json()).toEqual(REFRESH_INVALID);

      const response = await refresh(sut, client, tokens.refresh_token!);
      expect(response.statusCode).toBe(200);
      expect((await userinfo(sut, tokens.access_token)).statusCode).toBe(200);
    });

    it('a client that no longer has the refresh_token grant is unauthorized_client', async () => {
      const losing = await createClient(sut);
      const tokens = await signIn(user, losing);
      const patched = await sut.admin('PATCH', `/admin/clients/${losing.client_id}`, {
        grant_types: ['authorization_code'],
      });
      expect(patched.statusCode).toBe(200);
      const response = await refresh(sut, losing, tokens.refresh_token!);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'unauthorized_client',
        error_description: 'the client is not allowed the refresh_token grant',
      });
    });
  });

  describe('scope (RFC 6749 §6)', () => {
    it('may narrow: the new access token has the narrower scope, the family keeps the original', async () => {
      const tokens = await signIn();
      const narrowed = await refresh(sut, client, tokens.refresh_token!, { scope: 'openid email' });
      expect(narrowed.statusCode).toBe(200);
      const body = narrowed.json<TokenSet>();
      expect(body.scope).toBe('openid email');
      expect(decodeJwt(body.access_token).scope).toBe('openid email');
      expect(Object.keys(decodeJwt(body.id_token!))).not.toContain('name');

      const full = await refresh(sut, client, body.refresh_token!);
      expect(full.statusCode).toBe(200);
      expect(full.json().scope).toBe(FULL_SCOPE);
    });

    it('narrowed without openid gives no ID token', async () => {
      const tokens = await signIn();
      const response = await refresh(sut, client, tokens.refresh_token!, { scope: 'profile' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'profile',
        refresh_token: expect.any(String),
      });
    });

    it('may not widen: invalid_scope, and the token is not burned', async () => {
      const tokens = await signIn(user, client, 'openid offline_access');
      const widened = await refresh(sut, client, tokens.refresh_token!, {
        scope: 'openid profile',
      });
      expect(widened.statusCode).toBe(400);
      expect(widened.json()).toEqual({
        error: 'invalid_scope',
        error_description: 'the client may not request profile',
      });
      const response = await refresh(sut, client, tokens.refresh_token!);
      expect(response.statusCode).toBe(200);
      expect(response.json().scope).toBe('openid offline_access');
    });
  });

  describe('lifetimes', () => {
    it('a token past its idle lifetime is invalid_grant', async () => {
      const tokens = await signIn();
      await dataSource(sut).query(
        "UPDATE refresh_tokens SET idle_expires_at = now() - interval '1 second' WHERE token_hash = $1",
        [sha256(tokens.refresh_token!)],
      );
      const response = await refresh(sut, client, tokens.refresh_token!);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(REFRESH_INVALID);
    });

    it('a token past the absolute end of its family is invalid_grant', async () => {
      const tokens = await signIn();
      await dataSource(sut).query(
        "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1",
        [sha256(tokens.refresh_token!)],
      );
      const response = await refresh(sut, client, tokens.refresh_token!);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(REFRESH_INVALID);
    });

    it('an expired token does not count as reuse: the rest of the family stays alive', async () => {
      const first = await signIn();
      const second = (await refresh(sut, client, first.refresh_token!)).json<TokenSet>();
      const third = await signIn();
      await dataSource(sut).query(
        "UPDATE refresh_tokens SET idle_expires_at = now() - interval '1 second' WHERE token_hash = $1",
        [sha256(third.refresh_token!)],
      );
      expect((await refresh(sut, client, third.refresh_token!)).statusCode).toBe(400);
      expect((await refresh(sut, client, second.refresh_token!)).statusCode).toBe(200);
    });
  });

  describe('bad requests', () => {
    it('a missing refresh_token is invalid_request', async () => {
      const response = await refresh(sut, client, '');
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_request',
        error_description: 'refresh_token is required',
      });
    });

    it('an unknown refresh token is invalid_grant', async () => {
      const response = await refresh(sut, client, 'A'.repeat(43));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(REFRESH_INVALID);
    });
  });

  describe('the user', () => {
    it('a disabled user is invalid_grant, and the family stays revoked when the user is enabled again', async () => {
      const dave = await createUser(sut);
      const tokens = await signIn(dave);
      const disabled = await sut.admin('PATCH', `/admin/users/${dave.id}`, { status: 'disabled' });
      expect(disabled.statusCode).toBe(200);
      // The disable revoked the user's families in its own transaction.
      const response = await refresh(sut, client, tokens.refresh_token!);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(REFRESH_INVALID);

      await sut.admin('PATCH', `/admin/users/${dave.id}`, { status: 'active' });
      const later = await refresh(sut, client, tokens.refresh_token!);
      expect(later.statusCode).toBe(400);
      expect(later.json()).toEqual(REFRESH_INVALID);
    });

    it('a deleted user is invalid_grant', async () => {
      const erin = await createUser(sut);
      const tokens = await signIn(erin);
      expect((await sut.admin('DELETE', `/admin/users/${erin.id}`)).statusCode).toBe(204);
      const response = await refresh(sut, client, tokens.refresh_token!);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(expect.objectContaining({ error: 'invalid_grant' }));
    });
  });

  describe('always_issue_refresh_token', () => {
    it('a client configured so gets a refresh token without offline_access, and keeps getting one on refresh', async () => {
      const always = await createClient(sut, {
        scope: 'openid profile',
        always_issue_refresh_token: true,
      });
      const read = await sut.admin('GET', `/admin/clients/${always.client_id}`);
      expect(read.json().always_issue_refresh_token).toBe(true);

      const result = await authorizeAndGetCode(sut, always, user, { scope: 'openid profile' });
      const response = await exchangeCode(sut, always, result);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'openid profile',
        id_token: expect.any(String),
        refresh_token: expect.any(String),
      });
      const refreshed = await refresh(sut, always, response.json().refresh_token);
      expect(refreshed.statusCode).toBe(200);
      expect(refreshed.json().refresh_token).toEqual(expect.any(String));
    });

    it('defaults to false: without offline_access no refresh token', async () => {
      const plain = await createClient(sut, { scope: 'openid profile' });
      const read = await sut.admin('GET', `/admin/clients/${plain.client_id}`);
      expect(read.json().always_issue_refresh_token).toBe(false);
      const tokens = await signIn(user, plain, 'openid profile');
      expect(tokens.refresh_token).toBeUndefined();
    });

    it('needs the refresh_token grant: the admin API refuses it without', async () => {
      const response = await sut.admin('POST', '/admin/clients', {
        client_name: 'No refresh',
        client_type: 'confidential',
        redirect_uris: ['https://app.example.com/cb'],
        grant_types: ['authorization_code'],
        scope: 'openid',
        always_issue_refresh_token: true,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_request',
        message: expect.any(String),
        details: [
          { field: 'always_issue_refresh_token', problem: 'needs the refresh_token grant' },
        ],
      });
    });
  });
});
