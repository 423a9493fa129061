import { expect } from 'expect';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { after, before, describe, it } from 'node:test';
import { requestClientToken } from '../support/access';
import { createTestDatabase, NEEDS_POSTGRES_SERVER, TestDatabase } from '../support/test-database';
import { DrillLoad, keyEncryptionKey, loadFixture, LoadTarget } from './support/drill-load';
import { GatehouseProcess, startGatehouse } from './support/gatehouse-process';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds a new key is published before it signs, small for the drill (default 120). */
const PUBLISH_AHEAD = 6;
/**
 * jose's refetch cooldown for an unknown kid, scaled down with PUBLISH_AHEAD as
 * docs/key-rotation.md asks: /jwks max-age (PUBLISH_AHEAD / 2) + cooldown < PUBLISH_AHEAD.
 */
const COOLDOWN_MS = 2000;

/**
 * Failure drill: key rotations under load (docs/key-rotation.md). Two processes on one database
 * issue tokens while keys rotate through one of them; a verifier that caches the key set
 * (jose's createRemoteJWKSet) verifies every token issued, by either process.
 */
describe('failure drills: key rotation under load', { skip: NEEDS_POSTGRES_SERVER }, () => {
  let database: TestDatabase;
  const started: GatehouseProcess[] = [];

  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await Promise.all(started.map((process) => process.stop()));
    await database.drop();
  });

  it('no token fails verification across two rotations', async (t) => {
    const settings = {
      DATABASE_URL: database.url!,
      KEY_ENCRYPTION_KEY: keyEncryptionKey(),
      KEY_PUBLISH_AHEAD: String(PUBLISH_AHEAD),
    };
    const first = await startGatehouse(settings);
    const second = await startGatehouse(settings);
    started.push(first, second);
    const fixture = await loadFixture(first);
    const targets: LoadTarget[] = [
      { name: 'first', surface: first, live: true },
      { name: 'second', surface: second, live: true },
    ];
    const load = new DrillLoad(targets, fixture, { retries: 0, concurrency: 4 });
    const jwks = createRemoteJWKSet(new URL(`http://127.0.0.1:${first.port}/jwks`), {
      cooldownDuration: COOLDOWN_MS,
    });
    const failures: string[] = [];
    const kids = new Set<string>();
    let verified = 0;
    let issuing = true;
    const issueAndVerify = async () => {
      for (let i = 0; issuing; i++) {
        const response = await requestClientToken(targets[i % 2].surface, fixture.holder);
        if (response.statusCode !== 200) {
          failures.push(`token: ${response.statusCode} ${response.body}`);
          continue;
        }
        const token = response.json<{ access_token: string }>().access_token;
        try {
          await jwtVerify(token, jwks, { issuer: 'http://localhost:3000' });
          kids.add(decodeProtectedHeader(token).kid!);
          verified++;
        } catch (error) {
          failures.push(`${decodeProtectedHeader(token).kid}: ${(error as Error).message}`);
        }
      }
    };
    load.start();
    const issuers = [issueAndVerify(), issueAndVerify()];
    await pause(1000);

    for (let rotation = 0; rotation < 2; rotation++) {
      const rotated = await first.admin('POST', '/admin/keys/rotate', {});
      expect(rotated.statusCode).toBe(200);
      await pause((PUBLISH_AHEAD + 2) * 1000);
    }
    issuing = false;
    await Promise.all(issuers);
    await load.stop();

    t.diagnostic(`${verified} tokens verified, signed by ${kids.size} keys`);
    expect(failures).toEqual([]);
    // The first key, the first rotation's and the second's signed some of them.
    expect(kids.size).toBe(3);
    expect(verified).toBeGreaterThan(50);
    await load.expectSound(second);
  });
});
