import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { proxyInFrontOf, TcpProxy } from '../support/tcp-proxy';
import { createTestDatabase, NEEDS_POSTGRES_SERVER, TestDatabase } from '../support/test-database';
import { within } from '../support/within';
import { DrillLoad, keyEncryptionKey, loadFixture } from './support/drill-load';
import { GatehouseProcess, startGatehouse } from './support/gatehouse-process';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Redis for the drill: TEST_REDIS_URL, or the local default (as test/rate-limit.e2e-spec.ts). */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Failure drill: Redis, which holds the rate-limit counters (REDIS_URL), goes away under load and
 * comes back. docs/operations.md "Rate limits": while Redis cannot answer, the limited endpoints
 * (`/token`, `/revoke` …) answer 503 with `Retry-After: 1`, never unlimited; the access decisions
 * are not rate-limited and go on; readiness does not depend on Redis. Redis itself stays up for
 * the other tests: the drill cuts a proxy in front of it.
 */
describe('failure drills: Redis gone and back under load', { skip: NEEDS_POSTGRES_SERVER }, () => {
  let database: TestDatabase;
  let proxy: TcpProxy | undefined;
  let sut: GatehouseProcess | undefined;

  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    proxy?.restore();
    await sut?.stop();
    await proxy?.close();
    await database.drop();
  });

  it('limited endpoints answer 503 with Retry-After: 1 meanwhile, decisions go on, and it recovers', async (t) => {
    const proxied = await proxyInFrontOf(REDIS_URL, 6379);
    proxy = proxied.proxy;
    sut = await startGatehouse({
      DATABASE_URL: database.url!,
      KEY_ENCRYPTION_KEY: keyEncryptionKey(),
      REDIS_URL: proxied.url,
    });
    const fixture = await loadFixture(sut);
    const load = new DrillLoad([{ name: 'sut', surface: sut, live: true }], fixture, {
      retries: 0,
    });
    load.start();
    await pause(2000);

    const cut = Date.now();
    proxy.cut();
    await pause(1000);
    const ready = await sut.request({ method: 'GET', url: '/health/ready' });
    await pause(4000);
    const restored = Date.now();
    proxy.restore();
    const tokenBack = async () =>
      load.outcomes.some(
        (outcome) =>
          outcome.kind === 'token' && outcome.started > restored && outcome.status === 200,
      );
    expect(await within(10_000, tokenBack)).toBe(true);
    const recoveredAfter =
      load.outcomes.find(
        (outcome) =>
          outcome.kind === 'token' && outcome.started > restored && outcome.status === 200,
      )!.started - restored;
    await pause(2000);
    await load.stop();
    t.diagnostic(`tokens issued again ${recoveredAfter} ms after Redis came back`);

    expect(ready.statusCode).toBe(200);
    const during = load.outcomes.filter(
      (outcome) => outcome.started > cut + 1000 && outcome.started < restored,
    );
    const tokens = during.filter((outcome) => outcome.kind === 'token');
    expect(tokens.length).toBeGreaterThan(5);
    // Fail closed on the limited endpoints: refused with 503 and Retry-After: 1, never unlimited.
    expect(
      tokens.filter((outcome) => outcome.status !== 503 || outcome.retryAfter !== '1'),
    ).toEqual([]);
    // The decisions do not count requests: decided as before.
    const decisions = during.filter(
      (outcome) => outcome.kind === 'gateway' || outcome.kind === 'check',
    );
    expect(decisions.filter((outcome) => outcome.status === 503)).toEqual([]);
    expect(decisions.filter((outcome) => outcome.allowed).length).toBeGreaterThan(5);
    expect(load.outcomes.filter((outcome) => outcome.status === 0)).toEqual([]);
    await load.expectSound(sut);
  });
});
