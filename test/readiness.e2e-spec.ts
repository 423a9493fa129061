import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { check, clientToken, createRole, createService } from './support/access';
import { cutOffDatabase, cutOffNotifications, restoreDatabase } from './support/database-server';
import { processOnADatabaseToCutOff } from './support/process-to-cut-off';
import { InjectResult, startTestApp, TestApp } from './support/test-app';
import { NEEDS_POSTGRES_SERVER } from './support/test-database';
import { within } from './support/within';

const ALL_UP = {
  database: 'up',
  access_state: 'up',
  revocation_list: 'up',
  change_notifications: 'up',
};

function answer(response: InjectResult): { status: number; body: unknown } {
  return { status: response.statusCode, body: response.json() };
}

describe('readiness in embedded mode', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({}, { embedded: true });
  });
  after(() => sut.close());

  it('is 200 with every check up: one process hears its own changes', async () => {
    const response = await sut.request({ method: 'GET', url: '/health/ready' });
    expect(answer(response)).toEqual({ status: 200, body: { status: 'ok', checks: ALL_UP } });
  });
});

// Cutting connections off needs a PostgreSQL server of our own; embedded PGlite lives inside
// the process. CI always sets TEST_DATABASE_URL.
describe(
  'readiness follows the decision engine (load balancers stop sending while it cannot decide)',
  { skip: NEEDS_POSTGRES_SERVER },
  () => {
    const outage = processOnADatabaseToCutOff();
    let token: string;

    const ready = () => outage.sut.request({ method: 'GET', url: '/health/ready' });

    before(async () => {
      const reader = await createRole(outage.sut, ['invoices:read']);
      token = await clientToken(
        outage.sut,
        await createService(outage.sut, 'invoices:read', [reader]),
      );
    });

    it('with change notifications lost and the database up: 503 naming what is down, 200 after recovery', async () => {
      expect(answer(await ready())).toEqual({
        status: 200,
        body: { status: 'ok', checks: ALL_UP },
      });
      await cutOffNotifications(outage.name);

      const down = {
        status: 503,
        body: {
          status: 'unavailable',
          checks: {
            database: 'up',
            access_state: 'down',
            revocation_list: 'down',
            change_notifications: 'down',
          },
        },
      };
      let last: unknown;
      const noticed = await within(5000, async () => {
        last = answer(await ready());
        return JSON.stringify(last) === JSON.stringify(down);
      });
      expect(last).toEqual(down);
      expect(noticed).toBe(true);
      // Readiness says what the engine does: it cannot decide either.
      expect((await check(outage.sut, token, 'invoices', 'read')).statusCode).toBe(503);

      await restoreDatabase(outage.name);
      expect(await within(10000, async () => (await ready()).statusCode === 200)).toBe(true);
      expect(answer(await ready())).toEqual({
        status: 200,
        body: { status: 'ok', checks: ALL_UP },
      });
      expect((await check(outage.sut, token, 'invoices', 'read')).json()).toMatchObject({
        allowed: true,
      });
    });

    it('with the database cut off: 503 naming the database, 200 after recovery', async () => {
      await cutOffDatabase(outage.name);
      let last: { status: number; body: any } | undefined;
      const noticed = await within(5000, async () => {
        last = answer(await ready());
        return last.status === 503 && last.body.checks.change_notifications === 'down';
      });
      expect(noticed).toBe(true);
      expect(last).toEqual({
        status: 503,
        body: {
          status: 'unavailable',
          checks: {
            database: 'down',
            access_state: 'down',
            revocation_list: 'down',
            change_notifications: 'down',
          },
        },
      });

      await restoreDatabase(outage.name);
      expect(await within(10000, async () => (await ready()).statusCode === 200)).toBe(true);
      expect(answer(await ready())).toEqual({
        status: 200,
        body: { status: 'ok', checks: ALL_UP },
      });
    });
  },
);
