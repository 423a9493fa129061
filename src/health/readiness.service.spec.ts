import { expect } from 'expect';
import { beforeEach, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { AccessDecisionService } from '../access/engine/access-decision.service';
import { ChangeBus } from '../events/change-bus.service';
import { Readiness } from './readiness.service';

const ALL_UP = {
  database: 'up',
  access_state: 'up',
  revocation_list: 'up',
  change_notifications: 'up',
};

describe(Readiness.name, () => {
  let database: () => Promise<unknown>;
  let engine: { accessState: boolean; revocationList: boolean };
  let bus: { live: boolean };
  let sut: Readiness;

  beforeEach(() => {
    database = () => Promise.resolve([{ '?column?': 1 }]);
    engine = { accessState: true, revocationList: true };
    bus = { live: true };
    sut = new Readiness(
      { query: () => database() } as unknown as DataSource,
      { readiness: () => ({ ...engine }) } as unknown as AccessDecisionService,
      bus as unknown as ChangeBus,
    );
  });

  it('is ready when the database answers and the decision engine can decide', async () => {
    expect(await sut.report()).toEqual({ ready: true, checks: ALL_UP });
  });

  const failures: [string, () => void, keyof typeof ALL_UP][] = [
    [
      'the database refuses',
      () => (database = () => Promise.reject(new Error('down'))),
      'database',
    ],
    ['the access state is not loaded', () => (engine.accessState = false), 'access_state'],
    ['the revocation list is not known', () => (engine.revocationList = false), 'revocation_list'],
    ['change notifications are lost', () => (bus.live = false), 'change_notifications'],
  ];
  for (const [what, breakIt, check] of failures) {
    it(`is not ready when ${what}, and names ${check} as down`, async () => {
      breakIt();
      expect(await sut.report()).toEqual({
        ready: false,
        checks: { ...ALL_UP, [check]: 'down' },
      });
    });
  }

  it('counts a database that does not answer within two seconds as down', async () => {
    database = () => new Promise(() => undefined);
    const started = Date.now();
    expect((await sut.report()).checks.database).toBe('down');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });
});
