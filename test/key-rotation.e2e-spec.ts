import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, JWK, jwtVerify } from 'jose';
import { Housekeeping } from '../src/database/housekeeping.service';
import { RETIRED_KEY_RETENTION_SECONDS, SigningKeys } from '../src/crypto/signing-keys.service';
import { createClient, createUser, signInForTokens, TokenSet, userinfo } from './support/code-flow';
import { startListeningApp } from './support/listening-app';
import {
  ALGORITHMS,
  activeKids,
  db,
  ISO_8601,
  kidOf,
  kidsOf,
  PUBLISH_AHEAD_SECONDS,
  RotatedKeyBody,
  rotationAudits,
} from './support/signing-keys';
import { ADMIN_CLIENT_ID, basicAuth, InjectResult, TestApp } from './support/test-app';
import { TestClock } from './support/clock';

/** What a relying party saw of one token: its kid, and whether it verified. */
interface Verification {
  kid: string | undefined;
  error?: string;
}

describe('signing key rotation (POST /admin/keys/rotate): published first, signing after KEY_PUBLISH_AHEAD', () => {
  let sut: TestApp;
  let issuer: string;
  let jwksUrl: URL;
  let rotateResponse: InjectResult;
  let rotated: RotatedKeyBody[];
  let signsFrom: number;
  let previous: { kids: string[]; active: Record<string, string> };
  let oldAdminToken: string;
  let oldUserTokens: TokenSet;
  let client: { client_id: string };
  /** Seen between the rotation and signs_from. */
  let beforeSwitch: { at: number; jwksKids: string[]; accessToken: string; idToken: string };
  /** Tokens issued one after another from before the switch to after it, as a relying party verified them. */
  let acrossRotation: Verification[];

  const rotate = (authorization?: string, payload?: object) =>
    sut.request({
      method: 'POST',
      url: '/admin/keys/rotate',
      headers: {
        ...(authorization ? { authorization } : {}),
        ...(payload ? { 'content-type': 'application/json' } : {}),
      },
      payload,
    });
  const newKid = (alg: string) => rotated.find((key) => key.alg === alg)!.kid;

  // Key retention ends on this clock: a test moves it instead of waiting.
  const clock = new TestClock();

  before(async () => {
    ({ sut, issuer } = await startListeningApp(
      { KEY_PUBLISH_AHEAD: String(PUBLISH_AHEAD_SECONDS) },
      { clock },
    ));
    jwksUrl = new URL(`${issuer}/jwks`);

    const user = await createUser(sut);
    client = await createClient(sut);
    oldUserTokens = await signInForTokens(sut, client, user, { scope: 'openid profile' });
    oldAdminToken = await sut.adminToken();
    previous = { kids: await kidsOf(sut), active: await activeKids(sut) };

    // A relying party's key cache (jose, as its docs set it up, with a one-second cooldown for
    // the test instead of 30 s): it fetches the set now, just before the rotation, and may
    // refetch on an unknown kid only a second later. A key that signed at once would miss.
    const relyingParty = createRemoteJWKSet(jwksUrl, { cooldownDuration: 1_000 });
    await jwtVerify(oldAdminToken, relyingParty, { issuer });

    rotateResponse = await rotate(`Bearer ${oldAdminToken}`);
    rotated = rotateResponse.json<{ keys: RotatedKeyBody[] }>().keys;
    signsFrom = Date.parse(rotated[0].signs_from);

    const jwksKids = await kidsOf(sut);
    const accessToken = await sut.adminToken();
    const idToken = (await signInForTokens(sut, client, user, { scope: 'openid' })).id_token!;
    beforeSwitch = { at: Date.now(), jwksKids, accessToken, idToken };

    acrossRotation = [];
    while (Date.now() < signsFrom + 1_500) {
      const token = await sut.adminToken();
      const seen: Verification = { kid: kidOf(token) };
      await jwtVerify(token, relyingParty, { issuer, typ: 'at+jwt' }).catch((error: Error) => {
        seen.error = error.name;
      });
      acrossRotation.push(seen);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  after(() => sut.close());

  it('answers 200 with the new kid of each algorithm, all signing KEY_PUBLISH_AHEAD seconds from now', () => {
    expect(rotateResponse.statusCode).toBe(200);
    expect(rotateResponse.headers['content-type']).toMatch(/^application\/json/);
    expect(rotateResponse.json()).toEqual({
      keys: ALGORITHMS.map((alg) => ({
        kid: expect.any(String),
        alg,
        created_at: expect.stringMatching(ISO_8601),
        signs_from: expect.stringMatching(ISO_8601),
      })),
    });
    for (const key of rotated) {
      expect(previous.kids).not.toContain(key.kid);
      expect(key.signs_from).toBe(rotated[0].signs_from);
      const ahead = Date.parse(key.signs_from) - Date.parse(key.created_at);
      expect(ahead).toBeGreaterThanOrEqual(PUBLISH_AHEAD_SECONDS * 1000);
      // Key generation (RSA) happens in between, before signs_from is taken.
      expect(ahead).toBeLessThan(PUBLISH_AHEAD_SECONDS * 1000 + 15_000);
    }
  });

  it('stores the new keys as active from signs_from and the old ones as retired with retired_at = signs_from', async () => {
    expect(await activeKids(sut)).toEqual(Object.fromEntries(rotated.map((k) => [k.alg, k.kid])));
    const rows = await db(sut).query<
      Array<{ kid: string; status: string; retired_at: Date | null; signs_from: Date }>
    >(`SELECT kid, status, retired_at, signs_from FROM signing_keys ORDER BY created_at`);
    const retired = rows.filter((row) => row.status === 'retired');
    expect(retired.map((row) => row.kid).sort()).toEqual(Object.values(previous.active).sort());
    for (const row of retired) expect(row.retired_at?.getTime()).toBe(signsFrom);
    for (const row of rows.filter((r) => r.status === 'active')) {
      expect(row.retired_at).toBeNull();
      expect(row.signs_from.getTime()).toBe(signsFrom);
    }
  });

  it('/jwks lists the new keys at once, beside the retired ones, newest first', () => {
    expect(beforeSwitch.jwksKids).toEqual([...rotated.map((key) => key.kid), ...previous.kids]);
  });

  it('until signs_from, access and ID tokens are still signed with the old keys', () => {
    // The test observed this early enough; a machine too slow for that fails here, loudly.
    expect(beforeSwitch.at).toBeLessThan(signsFrom);
    expect(decodeProtectedHeader(beforeSwitch.accessToken)).toEqual({
      alg: 'ES256',
      typ: 'at+jwt',
      kid: previous.active.ES256,
    });
    expect(kidOf(beforeSwitch.idToken)).toBe(previous.active.RS256);
  });

  it('from signs_from on, new access and ID tokens are signed with the new keys', async () => {
    expect(Date.now()).toBeGreaterThan(signsFrom);
    const accessToken = await sut.adminToken();
    expect(decodeProtectedHeader(accessToken)).toEqual({
      alg: 'ES256',
      typ: 'at+jwt',
      kid: newKid('ES256'),
    });
    const user = await createUser(sut);
    const tokens = await signInForTokens(sut, client, user, { scope: 'openid' });
    expect(kidOf(tokens.access_token)).toBe(newKid('ES256'));
    expect(kidOf(tokens.id_token!)).toBe(newKid('RS256'));
  });

  it('a relying party that cached the set just before the rotation verifies every token across it, without an unknown-kid miss', () => {
    expect(acrossRotation.filter((seen) => seen.error)).toEqual([]);
    const kids = acrossRotation.map((seen) => seen.kid);
    const switchedAt = kids.indexOf(newKid('ES256'));
    expect(switchedAt).toBeGreaterThan(0);
    expect(kids.slice(0, switchedAt).every((kid) => kid === previous.active.ES256)).toBe(true);
    expect(kids.slice(switchedAt).every((kid) => kid === newKid('ES256'))).toBe(true);
  });

  it('a relying party that cached the old set refetches on the new kid and verifies new tokens', async () => {
    const remoteJwks = createRemoteJWKSet(jwksUrl, { cooldownDuration: 0 });
    await jwtVerify(oldAdminToken, remoteJwks, { issuer });
    const accessToken = await sut.adminToken();
    const { payload, protectedHeader } = await jwtVerify(accessToken, remoteJwks, { issuer });
    expect(protectedHeader.kid).toBe(newKid('ES256'));
    expect(payload.client_id).toBe(ADMIN_CLIENT_ID);
  });

  it('tokens issued before the rotation still verify with createRemoteJWKSet', async () => {
    const jwks = createRemoteJWKSet(jwksUrl);
    const access = await jwtVerify(oldAdminToken, jwks, { issuer, typ: 'at+jwt' });
    expect(access.protectedHeader.kid).toBe(previous.active.ES256);
    const id = await jwtVerify(oldUserTokens.id_token!, jwks, {
      issuer,
      audience: client.client_id,
    });
    expect(id.protectedHeader.kid).toBe(previous.active.RS256);
  });

  it('tokens issued before the rotation are still accepted by the admin API and /userinfo', async () => {
    const list = await sut.request({
      method: 'GET',
      url: '/admin/clients?limit=1',
      headers: { authorization: `Bearer ${oldAdminToken}` },
    });
    expect(list.statusCode).toBe(200);
    const info = await userinfo(sut, oldUserTokens.access_token);
    expect(info.statusCode).toBe(200);
    expect(info.json()).toEqual(expect.objectContaining({ sub: expect.any(String) }));
  });

  it('records keys.rotated in the audit log: the admin client, from where, the new and retired kids', async () => {
    const { keys } = rotateResponse.json<{ keys: { kid: string }[] }>();
    expect(await rotationAudits(sut)).toEqual([
      {
        actor_type: 'client',
        actor_id: ADMIN_CLIENT_ID,
        target_type: 'signing_keys',
        ip: '127.0.0.1',
        outcome: 'success',
        details: {
          kids: keys.map((key) => key.kid),
          signs_from: rotated[0].signs_from,
          immediate: false,
          retired_kids: [previous.active.ES256, previous.active.EdDSA, previous.active.RS256],
          withdrawn_kids: [],
        },
      },
    ]);
  });

  it('answers 401 without a token and does not rotate', async () => {
    const active = await activeKids(sut);
    const response = await rotate();
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
    expect(response.json()).toEqual({
      error: 'unauthorized',
      message: 'a Bearer access token is required',
    });
    expect(await activeKids(sut)).toEqual(active);
  });

  it('answers 401 invalid_token for a bad token', async () => {
    const response = await rotate('Bearer not-a-token');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      error: 'invalid_token',
      message: 'the access token is invalid or expired',
    });
  });

  it('answers 403 insufficient_scope to a token without iam:admin and does not rotate', async () => {
    const created = await sut.admin('POST', '/admin/clients', {
      client_name: 'worker',
      client_type: 'm2m',
      scope: 'invoices:read',
    });
    const worker = created.json<{ client_id: string; client_secret: string }>();
    const token = await sut.postForm(
      '/token',
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(worker.client_id, worker.client_secret) },
    );
    const active = await activeKids(sut);
    const response = await rotate(`Bearer ${token.json().access_token}`);
    expect(response.statusCode).toBe(403);
    expect(response.headers['www-authenticate']).toBe(
      'Bearer realm="gatehouse", error="insufficient_scope", scope="iam:admin"',
    );
    expect(response.json()).toEqual({
      error: 'insufficient_scope',
      message: 'the access token lacks the iam:admin scope',
    });
    expect(await activeKids(sut)).toEqual(active);
    expect(await rotationAudits(sut)).toHaveLength(1);
  });

  it('answers 400 to a body whose immediate is not a boolean, or with unknown members, and does not rotate', async () => {
    const active = await activeKids(sut);
    const token = await sut.adminToken();
    for (const [payload, details] of [
      [{ immediate: 'yes' }, [{ field: 'immediate', problem: 'must be a boolean value' }]],
      [{ now: true }, [{ field: 'now', problem: 'should not exist' }]],
    ] as const) {
      const response = await rotate(`Bearer ${token}`, payload);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_request',
        message: expect.any(String),
        details,
      });
    }
    expect(await activeKids(sut)).toEqual(active);
    expect(await rotationAudits(sut)).toHaveLength(1);
  });

  it('is in the OpenAPI document with its response schema and the bearer security scheme', async () => {
    const doc = (await sut.request({ method: 'GET', url: '/docs-json' })).json();
    const operation = doc.paths['/admin/keys/rotate'].post;
    expect(operation.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(operation.responses).sort()).toEqual(['200', '401', '403']);
    const ref: string = operation.responses['200'].content['application/json'].schema.$ref;
    const schema = doc.components.schemas[ref.split('/').pop()!];
    expect(Object.keys(schema.properties)).toEqual(['keys']);
    expect(operation.requestBody.required).toBe(false);
    const body: string = operation.requestBody.content['application/json'].schema.$ref;
    expect(Object.keys(doc.components.schemas[body.split('/').pop()!].properties)).toEqual([
      'immediate',
    ]);
  });

  describe('/jwks caching', () => {
    it('is public for half of KEY_PUBLISH_AHEAD (shorter than it), for any origin, with a strong ETag', async () => {
      const response = await sut.request({ method: 'GET', url: '/jwks' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('public, max-age=1');
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    });

    it('answers 304 without a body to If-None-Match with the current ETag, also in a list or weak', async () => {
      const { etag } = (await sut.request({ method: 'GET', url: '/jwks' })).headers;
      for (const ifNoneMatch of [String(etag), `"other", W/${String(etag)}`, '*']) {
        const response = await sut.request({
          method: 'GET',
          url: '/jwks',
          headers: { 'if-none-match': ifNoneMatch },
        });
        expect(response.statusCode).toBe(304);
        expect(response.body).toBe('');
        expect(response.headers.etag).toBe(etag);
        expect(response.headers['cache-control']).toBe('public, max-age=1');
      }
    });

    it('answers 200 to a stale ETag, and a rotation changes the ETag', async () => {
      const { etag } = (await sut.request({ method: 'GET', url: '/jwks' })).headers;
      const stale = await sut.request({
        method: 'GET',
        url: '/jwks',
        headers: { 'if-none-match': '"stale"' },
      });
      expect(stale.statusCode).toBe(200);
      expect(stale.json().keys).toHaveLength(6);

      const rotated = await sut.admin('POST', '/admin/keys/rotate');
      expect(rotated.statusCode).toBe(200);
      const next = await sut.request({
        method: 'GET',
        url: '/jwks',
        headers: { 'if-none-match': String(etag) },
      });
      expect(next.statusCode).toBe(200);
      expect(next.headers.etag).not.toBe(etag);
      expect(next.json().keys).toHaveLength(9);
    });
  });

  describe('retired keys leave once their tokens have expired', () => {
    const retire = async (kids: string[], secondsAgo: number) => {
      await db(sut).query(
        `UPDATE signing_keys SET retired_at = now() - make_interval(secs => $2)
          WHERE kid = ANY($1)`,
        [kids, secondsAgo],
      );
      await sut.app.get(SigningKeys).reload();
    };

    it('keeps a key retired a full day ago (tokens signed just before live that long)', async () => {
      await retire(Object.values(previous.active), 86_400);
      const kids = await kidsOf(sut);
      expect(kids).toEqual(expect.arrayContaining(Object.values(previous.active)));
      const list = await sut.request({
        method: 'GET',
        url: '/admin/clients?limit=1',
        headers: { authorization: `Bearer ${oldAdminToken}` },
      });
      expect(list.statusCode).toBe(200);
    });

    it('drops it from /jwks when retired_at + a day (+ 5 min margin) passes, without a reload', async () => {
      const { etag } = (await sut.request({ method: 'GET', url: '/jwks' })).headers;
      await retire(Object.values(previous.active), RETIRED_KEY_RETENTION_SECONDS - 1);
      expect(await kidsOf(sut)).toEqual(expect.arrayContaining(Object.values(previous.active)));
      clock.advance(1_200);

      const response = await sut.request({ method: 'GET', url: '/jwks' });
      const kids = response.json<{ keys: JWK[] }>().keys.map((key) => key.kid);
      expect(kids).toHaveLength(6);
      for (const kid of Object.values(previous.active)) expect(kids).not.toContain(kid);
      expect(kids).toEqual(expect.arrayContaining(Object.values(await activeKids(sut))));
      expect(response.headers.etag).not.toBe(etag);
    });

    it('a token signed by a dropped key no longer verifies: 401 at the admin API and /userinfo', async () => {
      const list = await sut.request({
        method: 'GET',
        url: '/admin/clients?limit=1',
        headers: { authorization: `Bearer ${oldAdminToken}` },
      });
      expect(list.statusCode).toBe(401);
      expect((await userinfo(sut, oldUserTokens.access_token)).statusCode).toBe(401);
    });

    it('stays out after a reload from the database, and Housekeeping deletes its row', async () => {
      await retire(Object.values(previous.active), RETIRED_KEY_RETENTION_SECONDS + 60);
      for (const kid of Object.values(previous.active))
        expect(await kidsOf(sut)).not.toContain(kid);
      await sut.app.get(Housekeeping).sweep();
      const rows = await db(sut).query<Array<{ kid: string }>>(
        `SELECT kid FROM signing_keys WHERE kid = ANY($1)`,
        [Object.values(previous.active)],
      );
      expect(rows).toEqual([]);
      expect(await db(sut).query(`SELECT count(*)::int AS n FROM signing_keys`)).toEqual([
        { n: 6 },
      ]);
    });
  });
});
