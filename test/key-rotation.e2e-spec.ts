import { expect } from 'expect';
import { createRemoteJWKSet, decodeProtectedHeader, JWK, jwtVerify } from 'jose';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { KeyRotation } from '../src/crypto/key-rotation.service';
import { Housekeeping } from '../src/database/housekeeping.service';
import { RETIRED_KEY_RETENTION_SECONDS, SigningKeys } from '../src/crypto/signing-keys.service';
import { createClient, createUser, signInForTokens, TokenSet, userinfo } from './support/code-flow';
import { createTestDatabase, TestDatabase, NEEDS_POSTGRES_SERVER } from './support/test-database';
import {
  ADMIN_CLIENT_ID,
  basicAuth,
  InjectResult,
  startTestApp,
  TestApp,
} from './support/test-app';
import { within } from './support/within';

const ISO_8601 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A port nobody listens on right now: the issuer must name the port before the app starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const jwksOf = async (sut: TestApp) =>
  (await sut.request({ method: 'GET', url: '/jwks' })).json<{ keys: JWK[] }>().keys;
const kidsOf = async (sut: TestApp) => (await jwksOf(sut)).map((key) => String(key.kid));
const db = (sut: TestApp) => sut.app.get(DataSource);

async function activeKids(sut: TestApp): Promise<Record<string, string>> {
  const rows = await db(sut).query<Array<{ kid: string; algorithm: string }>>(
    `SELECT kid, algorithm FROM signing_keys WHERE status = 'active' ORDER BY algorithm`,
  );
  return Object.fromEntries(rows.map((row) => [row.algorithm, row.kid]));
}

async function rotationAudits(sut: TestApp) {
  return db(sut).query<
    Array<{
      actor_type: string;
      actor_id: string | null;
      target_type: string | null;
      ip: string | null;
      outcome: string;
      details: { kids: string[]; retired_kids: string[] };
    }>
  >(
    `SELECT actor_type, actor_id, target_type, ip, outcome, details FROM audit_events
      WHERE type = 'keys.rotated' ORDER BY occurred_at`,
  );
}

/** Makes the active keys (of `algorithm`, or all) look `seconds` old. */
async function ageActiveKeys(sut: TestApp, seconds: number, algorithm?: string): Promise<void> {
  await db(sut).query(
    `UPDATE signing_keys SET created_at = now() - make_interval(secs => $1)
      WHERE status = 'active' AND ($2::text IS NULL OR algorithm = $2)`,
    [seconds, algorithm ?? null],
  );
}

describe('signing key rotation (POST /admin/keys/rotate)', () => {
  let sut: TestApp;
  let issuer: string;
  let jwksUrl: URL;
  let rotateResponse: InjectResult;
  let previous: { kids: string[]; active: Record<string, string> };
  let oldAdminToken: string;
  let oldUserTokens: TokenSet;
  /** A relying party's key cache, filled before the rotation; refetches on an unknown kid. */
  let remoteJwks: ReturnType<typeof createRemoteJWKSet>;
  let client: { client_id: string };

  const rotate = (authorization?: string) =>
    sut.request({
      method: 'POST',
      url: '/admin/keys/rotate',
      headers: authorization ? { authorization } : {},
    });

  before(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    sut = await startTestApp({ ISSUER: issuer });
    await sut.app.listen(port, '127.0.0.1');
    jwksUrl = new URL(`${issuer}/jwks`);
    remoteJwks = createRemoteJWKSet(jwksUrl, { cooldownDuration: 0 });

    const user = await createUser(sut);
    client = await createClient(sut);
    oldUserTokens = await signInForTokens(sut, client, user, { scope: 'openid profile' });
    oldAdminToken = await sut.adminToken();
    previous = { kids: await kidsOf(sut), active: await activeKids(sut) };
    // The relying party has seen the old keys before the rotation.
    await jwtVerify(oldAdminToken, remoteJwks, { issuer });

    rotateResponse = await rotate(`Bearer ${oldAdminToken}`);
  });
  after(() => sut.close());

  it('answers 200 with the new kid of each algorithm: the access-token one (ES256), then RS256', () => {
    expect(rotateResponse.statusCode).toBe(200);
    expect(rotateResponse.headers['content-type']).toMatch(/^application\/json/);
    expect(rotateResponse.json()).toEqual({
      keys: [
        { kid: expect.any(String), alg: 'ES256', created_at: expect.stringMatching(ISO_8601) },
        { kid: expect.any(String), alg: 'RS256', created_at: expect.stringMatching(ISO_8601) },
      ],
    });
    const kids = rotateResponse.json<{ keys: { kid: string }[] }>().keys.map((key) => key.kid);
    for (const kid of kids) expect(previous.kids).not.toContain(kid);
  });

  it('stores the new keys as active and the old ones as retired with retired_at = the rotation time', async () => {
    const { keys } = rotateResponse.json<{ keys: { kid: string; alg: string }[] }>();
    expect(await activeKids(sut)).toEqual(Object.fromEntries(keys.map((k) => [k.alg, k.kid])));
    const rows = await db(sut).query<
      Array<{ kid: string; status: string; retired_at: Date | null; created_at: Date }>
    >(`SELECT kid, status, retired_at, created_at FROM signing_keys ORDER BY created_at`);
    const retired = rows.filter((row) => row.status === 'retired');
    expect(retired.map((row) => row.kid).sort()).toEqual(Object.values(previous.active).sort());
    const createdAt = new Date(rotateResponse.json().keys[0].created_at).getTime();
    for (const row of retired) expect(row.retired_at?.getTime()).toBe(createdAt);
    expect(rows.filter((row) => row.status === 'active').every((row) => !row.retired_at)).toBe(
      true,
    );
  });

  it('/jwks lists the new keys and the retired ones, newest first', async () => {
    const { keys } = rotateResponse.json<{ keys: { kid: string }[] }>();
    expect(await kidsOf(sut)).toEqual([...keys.map((key) => key.kid), ...previous.kids]);
  });

  it('new access and ID tokens are signed with the new keys at once', async () => {
    const { keys } = rotateResponse.json<{ keys: { kid: string; alg: string }[] }>();
    const newKid = (alg: string) => keys.find((key) => key.alg === alg)!.kid;
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

  it('a relying party that cached the old set refetches on the new kid and verifies new tokens', async () => {
    const accessToken = await sut.adminToken();
    const { payload, protectedHeader } = await jwtVerify(accessToken, remoteJwks, { issuer });
    expect(protectedHeader.kid).toBe(rotateResponse.json().keys[0].kid);
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
          retired_kids: [previous.active.ES256, previous.active.RS256],
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

  it('is in the OpenAPI document with its response schema and the bearer security scheme', async () => {
    const doc = (await sut.request({ method: 'GET', url: '/docs-json' })).json();
    const operation = doc.paths['/admin/keys/rotate'].post;
    expect(operation.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(operation.responses).sort()).toEqual(['200', '401', '403']);
    const ref: string = operation.responses['200'].content['application/json'].schema.$ref;
    const schema = doc.components.schemas[ref.split('/').pop()!];
    expect(Object.keys(schema.properties)).toEqual(['keys']);
  });

  describe('/jwks caching', () => {
    it('is public for one minute, for any origin, with a strong ETag', async () => {
      const response = await sut.request({ method: 'GET', url: '/jwks' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('public, max-age=60');
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
        expect(response.headers['cache-control']).toBe('public, max-age=60');
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
      expect(stale.json().keys).toHaveLength(4);

      const rotated = await sut.admin('POST', '/admin/keys/rotate');
      expect(rotated.statusCode).toBe(200);
      const next = await sut.request({
        method: 'GET',
        url: '/jwks',
        headers: { 'if-none-match': String(etag) },
      });
      expect(next.statusCode).toBe(200);
      expect(next.headers.etag).not.toBe(etag);
      expect(next.json().keys).toHaveLength(6);
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
      await new Promise((resolve) => setTimeout(resolve, 1_200));

      const response = await sut.request({ method: 'GET', url: '/jwks' });
      const kids = response.json<{ keys: JWK[] }>().keys.map((key) => key.kid);
      expect(kids).toHaveLength(4);
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
        { n: 4 },
      ]);
    });
  });
});

describe('scheduled signing key rotation (KEY_ROTATION_INTERVAL)', () => {
  let sut: TestApp;
  let rotation: KeyRotation;

  before(async () => {
    sut = await startTestApp({ KEY_ROTATION_INTERVAL: '3600' });
    rotation = sut.app.get(KeyRotation);
  });
  after(() => sut.close());

  it('leaves keys younger than the interval alone', async () => {
    const active = await activeKids(sut);
    expect(await rotation.rotateIfDue()).toEqual([]);
    expect(await activeKids(sut)).toEqual(active);
    expect(await rotationAudits(sut)).toEqual([]);
  });

  it('rotates keys older than the interval: new tokens use the new key, the old stays in /jwks', async () => {
    const old = await activeKids(sut);
    await ageActiveKeys(sut, 3601);
    const rotated = await rotation.rotateIfDue();

    expect(rotated.map((key) => key.alg)).toEqual(['ES256', 'RS256']);
    const active = await activeKids(sut);
    expect(active).toEqual(Object.fromEntries(rotated.map((key) => [key.alg, key.kid])));
    expect(active.ES256).not.toBe(old.ES256);
    expect(kidOf(await sut.adminToken())).toBe(active.ES256);
    expect(await kidsOf(sut)).toEqual([active.ES256, active.RS256, old.ES256, old.RS256]);
  });

  it('records the scheduled rotation in the audit log as done by the system', async () => {
    const active = await activeKids(sut);
    const audits = await rotationAudits(sut);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toEqual({
      actor_type: 'system',
      actor_id: null,
      target_type: 'signing_keys',
      ip: null,
      outcome: 'success',
      details: { kids: [active.ES256, active.RS256], retired_kids: expect.any(Array) },
    });
  });

  it('rotates only the algorithm whose key is due', async () => {
    const old = await activeKids(sut);
    await ageActiveKeys(sut, 7200, 'RS256');
    const rotated = await rotation.rotateIfDue();
    expect(rotated.map((key) => key.alg)).toEqual(['RS256']);
    const active = await activeKids(sut);
    expect(active.ES256).toBe(old.ES256);
    expect(active.RS256).toBe(rotated[0].kid);
    expect(active.RS256).not.toBe(old.RS256);
  });

  it('several checks at once rotate once: the decision is taken again under the lock', async () => {
    await ageActiveKeys(sut, 3601);
    const results = await Promise.all([
      rotation.rotateIfDue(),
      rotation.rotateIfDue(),
      rotation.rotateIfDue(),
    ]);
    expect(results.flat().map((key) => key.alg)).toEqual(['ES256', 'RS256']);
    const [{ n }] = await db(sut).query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM signing_keys WHERE status = 'active'`,
    );
    expect(n).toBe(2);
  });
});

describe('scheduled rotation at start', () => {
  let dataDir: string | undefined;
  let database: TestDatabase | undefined;
  const env = { KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };

  /** Starts on the same database each time: a server database, or embedded under DATA_DIR. */
  const start = (settings: Record<string, string>) =>
    database?.url
      ? startTestApp({ ...env, ...settings }, { database })
      : startTestApp({ ...env, DATA_DIR: dataDir!, ...settings }, { embedded: true });

  before(async () => {
    if (process.env.TEST_DATABASE_URL) database = await createTestDatabase();
    else dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-keys-'));
  });
  after(async () => {
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('with KEY_ROTATION_INTERVAL=0 keeps old keys at start and in checks; a later start with an interval rotates them before serving', async () => {
    const first = await start({ KEY_ROTATION_INTERVAL: '0' });
    let old: Record<string, string>;
    try {
      old = await activeKids(first);
      await ageActiveKeys(first, 365 * 86_400);
      expect(await first.app.get(KeyRotation).rotateIfDue()).toEqual([]);
    } finally {
      await first.close();
    }

    const off = await start({ KEY_ROTATION_INTERVAL: '0' });
    try {
      expect(await activeKids(off)).toEqual(old);
    } finally {
      await off.close();
    }

    const sut = await start({ KEY_ROTATION_INTERVAL: '86400' });
    try {
      const active = await activeKids(sut);
      expect(active.ES256).not.toBe(old.ES256);
      expect(active.RS256).not.toBe(old.RS256);
      expect(kidOf(await sut.adminToken())).toBe(active.ES256);
      expect(await kidsOf(sut)).toEqual(expect.arrayContaining([...Object.values(old)]));
      expect((await rotationAudits(sut)).map((audit) => audit.actor_type)).toEqual(['system']);
    } finally {
      await sut.close();
    }
  });
});

// Two server processes on one PostgreSQL database learn of a rotation through LISTEN/NOTIFY.
// Embedded PGlite is single-process by design, so this needs TEST_DATABASE_URL.
describe(
  'key rotation across processes (on a PostgreSQL server)',
  { skip: NEEDS_POSTGRES_SERVER },
  () => {
    describe('key rotation across two processes on one database', () => {
      let database: TestDatabase;
      let first: TestApp;
      let second: TestApp;
      const env = { KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };

      before(async () => {
        database = await createTestDatabase();
        first = await startTestApp(env, { database });
        second = await startTestApp(env, { database });
      });
      after(async () => {
        await second.close();
        await first.close();
        await database.drop();
      });

      it('the other process signs with the new key within one second of a rotation', async () => {
        const oldToken = await second.adminToken();
        const rotated = await first.admin('POST', '/admin/keys/rotate');
        expect(rotated.statusCode).toBe(200);
        const newKid = rotated.json<{ keys: { kid: string }[] }>().keys[0].kid;
        expect(kidOf(oldToken)).not.toBe(newKid);

        expect(await within(1000, async () => kidOf(await second.adminToken()) === newKid)).toBe(
          true,
        );
        expect(await kidsOf(second)).toEqual(await kidsOf(first));
        expect(
          (
            await first.request({
              method: 'GET',
              url: '/admin/clients?limit=1',
              headers: { authorization: `Bearer ${oldToken}` },
            })
          ).statusCode,
        ).toBe(200);
      });

      it('a token signed with the new key by one process is accepted by the other at once', async () => {
        await first.admin('POST', '/admin/keys/rotate');
        const token = await first.adminToken();
        const response = await second.request({
          method: 'GET',
          url: '/admin/clients?limit=1',
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.statusCode).toBe(200);
      });
    });
  },
);
