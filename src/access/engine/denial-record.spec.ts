import { expect } from 'expect';
import { describe, it } from 'node:test';
import { TestClock } from '../../../test/support/clock';
import { Decision } from './decision';
import { DenialRecord, LATEST_DENIALS } from './denial-record';

const denial = (reason: Decision['reason'], sub?: string): Decision => ({
  allowed: false,
  reason,
  decisionId: 'd',
  sub,
  clientId: sub ? 'web' : undefined,
});

describe(DenialRecord.name, () => {
  it('counts by reason, most first, and lists the latest newest first without the query', () => {
    const clock = new TestClock(Date.parse('2026-12-03T10:00:00.000Z'));
    const sut = new DenialRecord(clock);
    sut.add(denial('token_missing'), { surface: 'gateway', method: 'GET', path: '/a?token=x' });
    clock.advance(1000);
    sut.add(denial('permission_denied', 'alice'), { surface: 'check' });
    clock.advance(1000);
    sut.add(denial('permission_denied', 'bob'), { surface: 'authzen' });
    expect(sut.view()).toEqual({
      since: '2026-12-03T10:00:00.000Z',
      by_reason: [
        { reason: 'permission_denied', count: 2 },
        { reason: 'token_missing', count: 1 },
      ],
      latest: [
        {
          at: '2026-12-03T10:00:02.000Z',
          reason: 'permission_denied',
          surface: 'authzen',
          method: null,
          path: null,
          sub: 'bob',
          client_id: 'web',
        },
        {
          at: '2026-12-03T10:00:01.000Z',
          reason: 'permission_denied',
          surface: 'check',
          method: null,
          path: null,
          sub: 'alice',
          client_id: 'web',
        },
        {
          at: '2026-12-03T10:00:00.000Z',
          reason: 'token_missing',
          surface: 'gateway',
          method: 'GET',
          path: '/a',
          sub: null,
          client_id: null,
        },
      ],
    });
  });

  it(`keeps the latest ${LATEST_DENIALS} and counts every one`, () => {
    const sut = new DenialRecord(new TestClock(0));
    for (let index = 0; index < LATEST_DENIALS + 7; index++)
      sut.add(denial('token_invalid'), { surface: 'gateway', path: `/${index}` });
    const view = sut.view();
    expect(view.by_reason).toEqual([{ reason: 'token_invalid', count: LATEST_DENIALS + 7 }]);
    expect(view.latest).toHaveLength(LATEST_DENIALS);
    expect(view.latest[0].path).toBe(`/${LATEST_DENIALS + 6}`);
    expect(view.latest[LATEST_DENIALS - 1].path).toBe('/7');
  });
});
