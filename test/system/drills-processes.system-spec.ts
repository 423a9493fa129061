import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:net';
import { check } from '../support/access';
import { begunRequest, finish } from '../support/begun-request';
import { createTestDatabase, NEEDS_POSTGRES_SERVER, TestDatabase } from '../support/test-database';
import { within } from '../support/within';
import {
  DrillLoad,
  keyEncryptionKey,
  loadFixture,
  LoadFixture,
  LoadTarget,
} from './support/drill-load';
import { GatehouseProcess, startGatehouse } from './support/gatehouse-process';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a new connection to `port` is refused (the server has stopped listening). */
const refuses = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

/**
 * Failure drills on server processes (docs/operations.md, "Failure drills"): Gatehouse as
 * `npm start` runs it, under a small mixed load, on a PostgreSQL database of its own.
 */
describe('failure drills: processes ending under load', { skip: NEEDS_POSTGRES_SERVER }, () => {
  let database: TestDatabase;
  let settings: Record<string, string>;
  const started: GatehouseProcess[] = [];
  const start = async () => {
    const process = await startGatehouse(settings);
    started.push(process);
    return process;
  };

  before(async () => {
    database = await createTestDatabase();
    settings = { DATABASE_URL: database.url!, KEY_ENCRYPTION_KEY: keyEncryptionKey() };
  });
  after(async () => {
    await Promise.all(started.map((process) => process.stop()));
    await database.drop();
  });

  it('SIGTERM: in-flight requests are answered, later ones get 503 and Connection: close, exit 0 within 10 s', async (t) => {
    const sut = await start();
    const fixture = await loadFixture(sut);
    const target: LoadTarget = { name: 'sut', surface: sut, live: true };
    const load = new DrillLoad([target], fixture, { concurrency: 8, retries: 0 });
    load.start();
    await pause(1500);

    // A request on an open connection whose head is only begun when the signal comes.
    const pending = await begunRequest(sut.port, 'GET /access/gateway HTTP/1.1\r\n');
    const signalled = Date.now();
    sut.kill('SIGTERM');
    expect(await within(10_000, () => refuses(sut.port))).toBe(true);
    const pendingAnswer = await finish(
      pending,
      'Host: gatehouse\r\nConnection: keep-alive\r\nX-Original-Method: GET\r\nX-Original-URI: /invoices/1\r\n\r\n',
    );
    const pendingAnswered = Date.now();
    const exit = await Promise.race([sut.exited, pause(10_000).then(() => 'still running')]);
    const drained = Date.now() - signalled;
    target.live = false;
    await load.stop();
    t.diagnostic(`exited ${JSON.stringify(exit)} ${drained} ms after SIGTERM`);

    expect({ exit, drainedWithin10s: drained <= 10_000 }).toEqual({
      exit: { code: 0, signal: null },
      drainedWithin10s: true,
    });
    // Sent before the signal: answered, whatever the answer (a refused connection was never
    // in flight).
    const before = load.outcomes.filter((outcome) => outcome.started < signalled);
    expect(
      before.filter((outcome) => outcome.status === 0 && !outcome.error?.includes('ECONNREFUSED')),
    ).toEqual([]);
    // Once the drain has begun (the first 503 with Connection: close came back), every later
    // request is refused that way or not accepted at all.
    expect({
      status: pendingAnswer.status,
      connection: pendingAnswer.headers.connection,
      closed: pendingAnswer.closed,
    }).toEqual({ status: 503, connection: 'close', closed: true });
    const draining = load.outcomes.filter((outcome) => outcome.status === 503 && outcome.closes);
    const drainBegan = Math.min(pendingAnswered, ...draining.map((outcome) => outcome.ended));
    const late = load.outcomes.filter(
      (outcome) => outcome.started > drainBegan && outcome.status !== 0,
    );
    expect(late.filter((outcome) => outcome.status !== 503 || !outcome.closes)).toEqual([]);
    t.diagnostic(
      `${draining.length} load requests answered 503 with Connection: close during the drain`,
    );
    expect(before.length).toBeGreaterThan(50);
    expect(load.serverErrors()).toEqual([]);
    expect(load.wrongAllows()).toEqual([]);

    // Nothing committed was lost: a new process finds every write.
    const next = await start();
    await load.expectSound(next);
  });

  it('SIGKILL of one of two: the other serves everything, and its revocations reach a restarted one', async () => {
    const first = await start();
    const second = await start();
    const fixture: LoadFixture = await loadFixture(second);
    const targets: LoadTarget[] = [
      { name: 'first', surface: first, live: true },
      { name: 'second', surface: second, live: true },
    ];
    const load = new DrillLoad(targets, fixture, { concurrency: 8, retries: 2 });
    load.start();
    await pause(2000);

    const killed = Date.now();
    first.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // Clients notice the dead process on their own (refused connections) and retry elsewhere.
    await pause(3000);
    targets[0].live = false;
    await pause(1000);
    const revokeAfterKill = load.revoked.size;
    await load.stop();

    // Every request found an answer, on one process or the other.
    const answered = load.outcomes.filter((outcome) => outcome.status !== 0);
    const lost = load.outcomes.filter((outcome) => outcome.status === 0);
    expect(
      lost.every((outcome) => outcome.target === 'first' && outcome.ended >= killed - 50),
    ).toBe(true);
    const afterKill = answered.filter((outcome) => outcome.started > killed);
    expect(afterKill.length).toBeGreaterThan(50);
    expect(afterKill.every((outcome) => outcome.target === 'second')).toBe(true);
    expect(afterKill.filter((outcome) => outcome.status === 503)).toEqual([]);
    expect(revokeAfterKill).toBeGreaterThan(0);
    await load.expectSound(second);

    // A revocation through the survivor is honoured by the restarted process.
    const restarted = await start();
    for (const [token, { target }] of load.revoked) {
      expect({
        target,
        reason: (await check(restarted, token, 'invoices', 'read')).json().reason,
      }).toEqual({
        target,
        reason: 'token_revoked',
      });
    }
    expect(
      await within(
        2000,
        async () =>
          (await restarted.request({ method: 'GET', url: '/health/ready' })).statusCode === 200,
      ),
    ).toBe(true);
  });
});
