import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { check, clientToken } from '../support/access';
import { cutOffNotifications, databaseName, restoreDatabase } from '../support/database-server';
import { proxyInFrontOf, TcpProxy } from '../support/tcp-proxy';
import { basicAuth } from '../support/test-app';
import { createTestDatabase, NEEDS_POSTGRES_SERVER, TestDatabase } from '../support/test-database';
import { within } from '../support/within';
import { DrillLoad, keyEncryptionKey, loadFixture, LoadTarget } from './support/drill-load';
import { GatehouseProcess, startGatehouse } from './support/gatehouse-process';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls /health/ready every 100 ms and keeps when each answer came. */
class ReadinessWatch {
  readonly answers: { at: number; status: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(sut: GatehouseProcess) {
    this.timer = setInterval(() => {
      const at = Date.now();
      sut.request({ method: 'GET', url: '/health/ready' }).then(
        (response) => this.answers.push({ at, status: response.statusCode }),
        () => this.answers.push({ at, status: 0 }),
      );
    }, 100);
  }

  /** Milliseconds from `since` to the first answer with `status` asked after it. */
  firstAfter(since: number, status: number): number | undefined {
    const answer = this.answers.find((entry) => entry.at >= since && entry.status === status);
    return answer === undefined ? undefined : answer.at - since;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Failure drills on the database (docs/operations.md, "Failure drills"): Gatehouse as `npm start`
 * runs it, under a small mixed load, loses PostgreSQL or its change notifications and gets
 * them back, without a restart.
 */
describe('failure drills: the database under load', { skip: NEEDS_POSTGRES_SERVER }, () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let settings: Record<string, string>;
  const started: GatehouseProcess[] = [];

  before(async () => {
    database = await createTestDatabase();
    settings = { DATABASE_URL: database.url!, KEY_ENCRYPTION_KEY: keyEncryptionKey() };
  });
  after(async () => {
    proxy?.restore();
    await restoreDatabase(databaseName(database.url!));
    await Promise.all(started.map((process) => process.stop()));
    await proxy?.close();
    await database.drop();
  });

  it('PostgreSQL refusing connections for 10 s: 503 meanwhile, readiness follows, then service resumes', async (t) => {
    const proxied = await proxyInFrontOf(database.url!, 5432);
    proxy = proxied.proxy;
    const sut = await startGatehouse({ ...settings, DATABASE_URL: proxied.url });
    started.push(sut);
    const fixture = await loadFixture(sut);
    const load = new DrillLoad([{ name: 'sut', surface: sut, live: true }], fixture, {
      retries: 0,
    });
    const readiness = new ReadinessWatch(sut);
    load.start();
    await pause(2000);

    const cut = Date.now();
    proxy.cut();
    await pause(10_000);
    const restored = Date.now();
    proxy.restore();
    expect(
      await within(10_000, async () => readiness.firstAfter(restored, 200) !== undefined),
    ).toBe(true);
    await pause(2000);
    readiness.stop();
    await load.stop();

    const notReadyAfter = readiness.firstAfter(cut, 503);
    const readyAfter = readiness.firstAfter(restored, 200);
    t.diagnostic(
      `not ready ${notReadyAfter} ms after the cut, ready ${readyAfter} ms after the restore`,
    );
    expect({
      notReadyWithin2s: notReadyAfter !== undefined && notReadyAfter <= 2000,
      readyWithin10s: readyAfter !== undefined && readyAfter <= 10_000,
    }).toEqual({ notReadyWithin2s: true, readyWithin10s: true });
    // Fail closed meanwhile: decisions asked while it was cut off were 503s, never a guess.
    const during = load
      .decisions(cut + 2000)
      .filter((outcome) => outcome.started < restored && outcome.status !== 503);
    expect(during.filter((outcome) => outcome.allowed)).toEqual([]);
    // Recovered without a restart: decisions after readiness came back are decided again.
    const recovered = load.decisions(restored + readyAfter!);
    expect(recovered.filter((outcome) => outcome.allowed).length).toBeGreaterThan(5);
    expect(recovered.filter((outcome) => outcome.status === 503)).toEqual([]);
    expect(load.outcomes.filter((outcome) => outcome.status === 0)).toEqual([]);
    await load.expectSound(sut);
  });

  it('the notification connection dropped: decisions fail closed until resynced, a revocation made meanwhile holds', async (t) => {
    const sut = await startGatehouse(settings);
    const other = await startGatehouse(settings);
    started.push(sut, other);
    const fixture = await loadFixture(other);
    const target: LoadTarget = { name: 'sut', surface: sut, live: true };
    const load = new DrillLoad([target], fixture, { retries: 0 });
    const victim = await clientToken(sut, fixture.holder);
    expect((await check(sut, victim, 'invoices', 'read')).json().allowed).toBe(true);
    load.start();
    await pause(2000);

    const dropped = Date.now();
    await cutOffNotifications(databaseName(database.url!));
    expect(
      await within(
        2000,
        async () => (await check(sut, victim, 'invoices', 'read')).statusCode === 503,
      ),
    ).toBe(true);
    const closedAfter = Date.now() - dropped;
    // Meanwhile the token is revoked through the other process (its pool still reaches the
    // database); the process under test cannot hear it.
    const revocation = await other.postForm(
      '/revoke',
      { token: victim },
      { authorization: basicAuth(fixture.holder.client_id, fixture.holder.client_secret) },
    );
    expect(revocation.statusCode).toBe(200);
    const revokedAt = Date.now();
    await pause(3000);
    const stillClosed = await check(sut, victim, 'invoices', 'read');
    expect(stillClosed.statusCode).toBe(503);

    const restored = Date.now();
    await restoreDatabase(databaseName(database.url!));
    expect(
      await within(
        10_000,
        async () => (await check(sut, victim, 'invoices', 'read')).statusCode === 200,
      ),
    ).toBe(true);
    const resyncedAfter = Date.now() - restored;
    t.diagnostic(
      `503 ${closedAfter} ms after the drop, deciding ${resyncedAfter} ms after reconnecting`,
    );
    await pause(2000);
    await load.stop();

    expect((await check(sut, victim, 'invoices', 'read')).json()).toMatchObject({
      allowed: false,
      reason: 'token_revoked',
    });
    const victimAllowed = load
      .decisions(revokedAt)
      .filter((outcome) => outcome.token === victim && outcome.allowed);
    expect(victimAllowed).toEqual([]);
    const recovered = load.decisions(restored + resyncedAfter);
    expect(recovered.filter((outcome) => outcome.allowed).length).toBeGreaterThan(5);
    expect(recovered.filter((outcome) => outcome.status === 503)).toEqual([]);
    expect(closedAfter).toBeLessThanOrEqual(2000);
    await load.expectSound(sut);
  });
});
