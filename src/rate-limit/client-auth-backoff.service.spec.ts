import { expect } from 'expect';
import { beforeEach, describe, it } from 'node:test';
import { AppConfig } from '../config/app-config';
import { ClientAuthBackoff, MAX_LOCK_MS } from './client-auth-backoff.service';
import { MAX_MEMORY_ENTRIES, MemoryStore } from './memory.store';
import { RateLimitUnavailableError, TooManyRequestsError } from './rate-limit.errors';
import { RateLimitStore, RateLimitStoreUnavailableError } from './rate-limit.store';
import { TestClock } from '../../test/support/clock';

const WINDOW_S = 10;
const config = {
  rateLimits: {
    window: WINDOW_S,
    clientAuthMaxFailures: 3,
    clientAuthMaxFailuresPerIp: 7,
    clientAuthMaxFailuresPerClient: 5,
  },
} as AppConfig;

const ATTACKER = '203.0.113.66';
const OWNER = '198.51.100.1';

describe(ClientAuthBackoff.name, () => {
  let clock: TestClock;
  let sut: ClientAuthBackoff;

  beforeEach(() => {
    clock = new TestClock(1_700_000_000_000);
    sut = new ClientAuthBackoff(config, new MemoryStore(MAX_MEMORY_ENTRIES, clock), clock);
  });

  const fail = async (times: number, clientId = 'c1', source = ATTACKER) => {
    for (let i = 0; i < times; i++) await sut.failed(clientId, source);
  };
  /** The Retry-After of the 429 `admit` throws, or the failure count it answers. */
  const admit = async (clientId = 'c1', source = ATTACKER): Promise<number | string> => {
    try {
      return await sut.admit(clientId, source);
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
      expect(error.toJSON()).toEqual({
        error: 'too_many_requests',
        error_description:
          'too many failed client authentications; retry after the time in Retry-After',
      });
      expect(error.status).toBe(429);
      return `retry after ${error.headers['retry-after']}`;
    }
  };

  it('admits a client_id below the limit and tells how many failures the pair has', async () => {
    expect(await admit()).toBe(0);
    await fail(2);
    expect(await admit()).toBe(2);
  });

  it('locks the (client_id, source) pair for one window at the limit, then admits it again', async () => {
    await fail(3);
    expect(await admit()).toBe(`retry after ${WINDOW_S}`);
    clock.advance(4_000);
    expect(await admit()).toBe(`retry after ${WINDOW_S - 4}`);
    clock.advance(6_000);
    expect(await admit()).toBe(3);
  });

  it('never locks the client_id for a source that has not failed: the owner goes on', async () => {
    await fail(3);
    expect(await admit('c1', OWNER)).toBe(0);
    expect(await admit('c2', ATTACKER)).toBe(0);
  });

  it('counts one IPv6 /64 as one source', async () => {
    await fail(1, 'c1', '2001:db8:5:5::1');
    await fail(1, 'c1', '2001:db8:5:5::2');
    await fail(1, 'c1', '2001:db8:5:5:ffff::9');
    expect(await admit('c1', '2001:db8:5:5::abcd')).toBe(`retry after ${WINDOW_S}`);
    expect(await admit('c1', '2001:db8:5:6::1')).toBe(0);
  });

  it('locks a source that fails across many client_ids, for every client_id', async () => {
    for (let i = 0; i < 7; i++) await fail(1, `guess-${i}`);
    expect(await admit('never-tried')).toBe(`retry after ${WINDOW_S}`);
    expect(await admit('never-tried', OWNER)).toBe(0);
  });

  it('a client_id under a distributed attack locks every source that failed for it, not the others', async () => {
    const bots = ['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5'];
    for (const bot of bots) await fail(1, 'c1', bot);
    for (const bot of bots) expect(await admit('c1', bot)).toBe(`retry after ${WINDOW_S}`);
    expect(await admit('c1', OWNER)).toBe(0);
    // A new bot gets one guess, then it is locked too.
    expect(await admit('c1', '10.1.0.6')).toBe(0);
    await fail(1, 'c1', '10.1.0.6');
    expect(await admit('c1', '10.1.0.6')).toMatch(/^retry after \d+$/);
    expect(await admit('c1', OWNER)).toBe(0);
  });

  it('doubles the lock with each failure after one, up to the cap', async () => {
    await fail(3);
    let lock = WINDOW_S;
    const locks: number[] = [];
    for (let i = 0; i < 8; i++) {
      clock.advance(lock * 1000); // the lock just ended; the failures stay one more window
      expect(await admit()).toBe(3 + i);
      await fail(1);
      lock = Number(String(await admit()).replace('retry after ', ''));
      locks.push(lock);
    }
    expect(locks).toEqual([20, 40, 80, 160, 320, 640, MAX_LOCK_MS / 1000, MAX_LOCK_MS / 1000]);
  });

  it('forgets failures spaced more than a window apart', async () => {
    await fail(2);
    clock.advance(WINDOW_S * 1000);
    await fail(2);
    expect(await admit()).toBe(2);
  });

  it('forgets the failures a window after the lock ended', async () => {
    await fail(3);
    clock.advance(2 * WINDOW_S * 1000);
    expect(await admit()).toBe(0);
    await fail(1);
    expect(await admit()).toBe(1);
  });

  it("a success clears the pair's record, never the source's", async () => {
    await fail(2, 'c1');
    await fail(4, 'attackers-own-client');
    await sut.succeeded('attackers-own-client', ATTACKER, 4);
    await sut.succeeded('c1', ATTACKER, 2);
    expect(await admit('c1')).toBe(0);
    await fail(1, 'c9');
    // 2 + 4 + 1 = 7 failures from this source: locked whatever the successes.
    expect(await admit('c1')).toBe(`retry after ${WINDOW_S}`);
  });

  it('answers 503 temporarily_unavailable when the store cannot answer', async () => {
    const broken = {
      get: () => Promise.reject(new RateLimitStoreUnavailableError(new Error('down'))),
      increment: () => Promise.reject(new RateLimitStoreUnavailableError(new Error('down'))),
    } as unknown as RateLimitStore;
    const unavailable = new ClientAuthBackoff(config, broken, clock);
    await expect(unavailable.admit('c1', ATTACKER)).rejects.toBeInstanceOf(
      RateLimitUnavailableError,
    );
    await expect(unavailable.failed('c1', ATTACKER)).rejects.toBeInstanceOf(
      RateLimitUnavailableError,
    );
  });
});
