import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyRotation } from '../src/crypto/key-rotation.service';
import {
  ALGORITHMS,
  activeKids,
  ageActiveKeys,
  db,
  ISO_8601,
  kidOf,
  kidsOf,
  PUBLISH_AHEAD_SECONDS,
  rotationAudits,
} from './support/signing-keys';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';
import { TestClock } from './support/clock';

describe('scheduled signing key rotation (KEY_ROTATION_INTERVAL)', () => {
  let sut: TestApp;
  let rotation: KeyRotation;
  // Which key signs is decided on this clock: a test moves it to signs_from instead of waiting.
  const clock = new TestClock();

  before(async () => {
    sut = await startTestApp(
      { KEY_ROTATION_INTERVAL: '3600', KEY_PUBLISH_AHEAD: String(PUBLISH_AHEAD_SECONDS) },
      { clock },
    );
    rotation = sut.app.get(KeyRotation);
  });
  after(() => sut.close());

  it('leaves keys younger than the interval alone', async () => {
    const active = await activeKids(sut);
    expect(await rotation.rotateIfDue()).toEqual([]);
    expect(await activeKids(sut)).toEqual(active);
    expect(await rotationAudits(sut)).toEqual([]);
  });

  it('rotates keys older than the interval: the new key is published at once and signs from KEY_PUBLISH_AHEAD on, the old stays in /jwks', async () => {
    const old = await activeKids(sut);
    await ageActiveKeys(sut, 3601);
    const rotated = await rotation.rotateIfDue();
    const tokenBefore = await sut.adminToken();
    const jwksBefore = await kidsOf(sut);
    const before = Date.now();

    expect(rotated.map((key) => key.alg)).toEqual(ALGORITHMS);
    const signsFrom = rotated[0].signsFrom.getTime();
    expect(signsFrom - rotated[0].createdAt.getTime()).toBeGreaterThanOrEqual(
      PUBLISH_AHEAD_SECONDS * 1000,
    );
    const active = await activeKids(sut);
    expect(active).toEqual(Object.fromEntries(rotated.map((key) => [key.alg, key.kid])));
    expect(active.ES256).not.toBe(old.ES256);
    expect(jwksBefore).toEqual([
      active.ES256,
      active.EdDSA,
      active.RS256,
      old.ES256,
      old.EdDSA,
      old.RS256,
    ]);
    expect(before).toBeLessThan(signsFrom);
    expect(kidOf(tokenBefore)).toBe(old.ES256);

    clock.advanceTo(signsFrom + 100);
    expect(kidOf(await sut.adminToken())).toBe(active.ES256);
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
      details: {
        kids: [active.ES256, active.EdDSA, active.RS256],
        signs_from: expect.stringMatching(ISO_8601),
        immediate: false,
        retired_kids: expect.any(Array),
        withdrawn_kids: [],
      },
    });
  });

  it('never counts a key waiting for its signs_from as due', async () => {
    await ageActiveKeys(sut, 3601);
    const [first] = await rotation.rotateIfDue();
    expect(first.signsFrom.getTime()).toBeGreaterThan(Date.now());
    expect(await rotation.rotateIfDue(new Date(Date.now() + 3_000_000))).toEqual([]);
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
    expect(results.flat().map((key) => key.alg)).toEqual(ALGORITHMS);
    const [{ n }] = await db(sut).query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM signing_keys WHERE status = 'active'`,
    );
    expect(n).toBe(3);
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
      // Published before serving, signing only after the default KEY_PUBLISH_AHEAD (120 s).
      expect(kidOf(await sut.adminToken())).toBe(old.ES256);
      expect(await kidsOf(sut)).toEqual(
        expect.arrayContaining([...Object.values(old), ...Object.values(active)]),
      );
      expect((await rotationAudits(sut)).map((audit) => audit.actor_type)).toEqual(['system']);
    } finally {
      await sut.close();
    }
  });
});
