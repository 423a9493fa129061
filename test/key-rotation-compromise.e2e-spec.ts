import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { check } from './support/access';
import {
  createClient,
  createUser,
  signInForTokens,
  TestClient,
  TestUser,
  TokenSet,
  userinfo,
} from './support/code-flow';
import { startListeningApp } from './support/listening-app';
import {
  ALGORITHMS,
  db,
  kidOf,
  kidsOf,
  RotatedKeyBody,
  rotationAudits,
  sleepUntil,
} from './support/signing-keys';
import { NEEDS_POSTGRES_SERVER } from './support/test-database';
import { twoProcessesOnOneDatabase } from './support/two-processes';
import { ADMIN_CLIENT_ID, basicAuth, InjectResult, TestApp } from './support/test-app';
import { within } from './support/within';

describe('immediate rotation ({"immediate": true}): for a compromised key', () => {
  let sut: TestApp;
  let issuer: string;
  let jwksUrl: URL;
  let client: TestClient;
  let freshUser: TestUser;
  let oldAdminToken: string;
  let oldUserTokens: TokenSet;
  let previousKids: string[];
  let checkBefore: InjectResult;
  let rotateResponse: InjectResult;
  let rotated: RotatedKeyBody[];
  let firstTokenAfter: string;

  before(async () => {
    // The default KEY_PUBLISH_AHEAD (120 s): an immediate rotation does not wait for it.
    ({ sut, issuer } = await startListeningApp());
    jwksUrl = new URL(`${issuer}/jwks`);

    const user = await createUser(sut);
    freshUser = await createUser(sut);
    client = await createClient(sut);
    oldUserTokens = await signInForTokens(sut, client, user, { scope: 'openid profile' });
    oldAdminToken = await sut.adminToken();
    // An earlier ordinary rotation left retired keys and keys waiting to sign: all go.
    expect((await sut.admin('POST', '/admin/keys/rotate')).statusCode).toBe(200);
    previousKids = await kidsOf(sut);
    // The decision engine verifies the token once and caches what it read.
    checkBefore = await check(sut, oldAdminToken, 'invoices', 'read');

    rotateResponse = await sut.request({
      method: 'POST',
      url: '/admin/keys/rotate',
      headers: { authorization: `Bearer ${oldAdminToken}`, 'content-type': 'application/json' },
      payload: { immediate: true },
    });
    rotated = rotateResponse.json<{ keys: RotatedKeyBody[] }>().keys;
    firstTokenAfter = await sut.adminToken();
  });
  after(() => sut.close());

  it('answers 200 with new keys that sign at once', () => {
    expect(rotateResponse.statusCode).toBe(200);
    expect(rotated.map((key) => key.alg)).toEqual(ALGORITHMS);
    for (const key of rotated) {
      expect(previousKids).not.toContain(key.kid);
      const ahead = Date.parse(key.signs_from) - Date.parse(key.created_at);
      expect(ahead).toBeGreaterThanOrEqual(0);
      expect(ahead).toBeLessThan(15_000);
    }
    expect(kidOf(firstTokenAfter)).toBe(rotated[0].kid);
  });

  it('new ID tokens are signed with the new RS256 key at once', async () => {
    const tokens = await signInForTokens(sut, client, freshUser, { scope: 'openid' });
    expect(kidOf(tokens.id_token!)).toBe(rotated.find((key) => key.alg === 'RS256')!.kid);
  });

  it('withdraws every older key, retired and waiting ones included: /jwks and the table hold only the new keys', async () => {
    expect(previousKids).toHaveLength(6);
    expect(await kidsOf(sut)).toEqual(rotated.map((key) => key.kid));
    const rows = await db(sut).query<Array<{ kid: string }>>(
      `SELECT kid FROM signing_keys ORDER BY kid`,
    );
    expect(rows.map((row) => row.kid)).toEqual(rotated.map((key) => key.kid).sort());
  });

  it("rejects the withdrawn keys' tokens everywhere in Gatehouse: admin API, /userinfo, /introspect, and the decision engine's cache", async () => {
    expect(checkBefore.json().reason).toBe('insufficient_scope');
    const list = await sut.request({
      method: 'GET',
      url: '/admin/clients?limit=1',
      headers: { authorization: `Bearer ${oldAdminToken}` },
    });
    expect(list.statusCode).toBe(401);
    expect(list.json()).toEqual({
      error: 'invalid_token',
      message: 'the access token is invalid or expired',
    });
    expect((await userinfo(sut, oldUserTokens.access_token)).statusCode).toBe(401);
    const introspection = await sut.postForm(
      '/introspect',
      { token: oldUserTokens.access_token },
      { authorization: basicAuth(client.client_id, client.client_secret!) },
    );
    expect(introspection.statusCode).toBe(200);
    expect(introspection.json()).toEqual({ active: false });
    const checkAfter = await check(sut, oldAdminToken, 'invoices', 'read');
    expect(checkAfter.json()).toEqual(
      expect.objectContaining({ allowed: false, reason: 'token_invalid' }),
    );
    // New tokens work.
    const fresh = await sut.request({
      method: 'GET',
      url: '/admin/clients?limit=1',
      headers: { authorization: `Bearer ${firstTokenAfter}` },
    });
    expect(fresh.statusCode).toBe(200);
  });

  it('a verifier that fetches /jwks now rejects the old tokens', async () => {
    const jwks = createRemoteJWKSet(jwksUrl);
    await expect(jwtVerify(oldAdminToken, jwks, { issuer })).rejects.toThrow(
      /no applicable key found in the JSON Web Key Set/,
    );
    await expect(jwtVerify(firstTokenAfter, jwks, { issuer })).resolves.toBeDefined();
  });

  it('records the immediate rotation with every withdrawn kid', async () => {
    const audits = await rotationAudits(sut);
    expect(audits).toHaveLength(2);
    expect(audits[1]).toEqual({
      actor_type: 'client',
      actor_id: ADMIN_CLIENT_ID,
      target_type: 'signing_keys',
      ip: '127.0.0.1',
      outcome: 'success',
      details: {
        kids: rotated.map((key) => key.kid),
        signs_from: rotated[0].signs_from,
        immediate: true,
        retired_kids: [],
        withdrawn_kids: expect.any(Array),
      },
    });
    expect([...audits[1].details.withdrawn_kids].sort()).toEqual([...previousKids].sort());
  });
});

// Two server processes on one PostgreSQL database learn of a rotation through LISTEN/NOTIFY.
// Embedded PGlite is single-process by design, so this needs TEST_DATABASE_URL.
describe(
  'key rotation across two processes on one database',
  { skip: NEEDS_POSTGRES_SERVER },
  () => {
    const apps = twoProcessesOnOneDatabase({ KEY_PUBLISH_AHEAD: '3' });

    it('the other process publishes the new key within one second and switches at the stored signs_from, not when it heard', async () => {
      const oldToken = await apps.second.adminToken();
      const rotated = await apps.first.admin('POST', '/admin/keys/rotate');
      expect(rotated.statusCode).toBe(200);
      const [{ kid: newKid, signs_from }] = rotated.json<{ keys: RotatedKeyBody[] }>().keys;
      const signsFrom = Date.parse(signs_from);
      expect(kidOf(oldToken)).not.toBe(newKid);

      expect(await within(1000, async () => (await kidsOf(apps.second)).includes(newKid))).toBe(
        true,
      );
      expect(await kidsOf(apps.second)).toEqual(await kidsOf(apps.first));
      const early = {
        first: await apps.first.adminToken(),
        second: await apps.second.adminToken(),
      };
      expect(Date.now()).toBeLessThan(signsFrom);
      expect(kidOf(early.first)).toBe(kidOf(oldToken));
      expect(kidOf(early.second)).toBe(kidOf(oldToken));

      // No notification marks the moment: each process reads it from the stored timestamp.
      await sleepUntil(signsFrom + 100);
      expect(kidOf(await apps.second.adminToken())).toBe(newKid);
      expect(kidOf(await apps.first.adminToken())).toBe(newKid);
      expect(
        (
          await apps.first.request({
            method: 'GET',
            url: '/admin/clients?limit=1',
            headers: { authorization: `Bearer ${oldToken}` },
          })
        ).statusCode,
      ).toBe(200);
    });

    it('a token signed with a brand-new key by one process is accepted by the other at once', async () => {
      // Immediate: the new key signs before the other process may have heard of it.
      const rotated = await apps.first.request({
        method: 'POST',
        url: '/admin/keys/rotate',
        headers: {
          authorization: `Bearer ${await apps.first.adminToken()}`,
          'content-type': 'application/json',
        },
        payload: { immediate: true },
      });
      expect(rotated.statusCode).toBe(200);
      const token = await apps.first.adminToken();
      expect(kidOf(token)).toBe(rotated.json<{ keys: RotatedKeyBody[] }>().keys[0].kid);
      const response = await apps.second.request({
        method: 'GET',
        url: '/admin/clients?limit=1',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.statusCode).toBe(200);
    });

    it("an immediate rotation in one process makes the other reject the withdrawn keys' tokens at once", async () => {
      const oldToken = await apps.second.adminToken();
      const listWith = (sut: TestApp, token: string) =>
        sut.request({
          method: 'GET',
          url: '/admin/clients?limit=1',
          headers: { authorization: `Bearer ${token}` },
        });
      expect((await listWith(apps.second, oldToken)).statusCode).toBe(200);
      // The decision engine has verified (and cached) it too.
      expect((await check(apps.second, oldToken, 'invoices', 'read')).json().reason).not.toBe(
        'token_invalid',
      );
      const rotated = await apps.first.request({
        method: 'POST',
        url: '/admin/keys/rotate',
        headers: {
          authorization: `Bearer ${await apps.first.adminToken()}`,
          'content-type': 'application/json',
        },
        payload: { immediate: true },
      });
      expect(rotated.statusCode).toBe(200);
      const newKid = rotated.json<{ keys: RotatedKeyBody[] }>().keys[0].kid;

      expect(
        await within(1000, async () => (await listWith(apps.second, oldToken)).statusCode === 401),
      ).toBe(true);
      expect((await check(apps.second, oldToken, 'invoices', 'read')).json().reason).toBe(
        'token_invalid',
      );
      expect(kidOf(await apps.second.adminToken())).toBe(newKid);
      expect((await kidsOf(apps.second)).sort()).toEqual((await kidsOf(apps.first)).sort());
      expect(await kidsOf(apps.second)).toHaveLength(3);
    });
  },
);
