import { expect } from 'expect';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { AppConfig } from '../config/app-config';
import { ClientAuthBackoff, MAX_LOCK_MS } from './client-auth-backoff.service';
import { MemoryStore } from './memory.store';
import { RateLimitUnavailableError, TooManyRequestsError } from './rate-limit.errors';
import { RateLimitStore, RateLimitStoreUnavailableError } from './rate-limit.store';

const WINDOW_S = 10;
const config = { rateLimits: { window: WINDOW_S, clientAuthMaxFailures: 3 } } as AppConfig;

describe(ClientAuthBackoff.name, () => {
  let now: number;
  let sut: ClientAuthBackoff;

  beforeEach(() => {
    now = 1_700_000_000_000;
    mock.method(Date, 'now', () => now);
    sut = new ClientAuthBackoff(config, new MemoryStore());
  });
  afterEach(() => mock.restoreAll());

  const fail = async (times: number, clientId = 'c1') => {
    for (let i = 0; i < times; i++) await sut.failed(clientId);
  };
  /** The Retry-After of the 429 `admit` throws, or the failure count it answers. */
  const admit = async (clientId = 'c1'): Promise<number | string> => {
    try {
      return await sut.admit(clientId);
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

  it('admits a client_id below the limit and tells how many failures it has', async () => {
    expect(await admit()).toBe(0);
    await fail(2);
    expect(await admit()).toBe(2);
  });

  it('locks the client_id for one window at the limit, then admits it again', async () => {
    await fail(3);
    expect(await admit()).toBe(`retry after ${WINDOW_S}`);
    now += 4_000;
    expect(await admit()).toBe(`retry after ${WINDOW_S - 4}`);
    now += 6_000;
    expect(await admit()).toBe(3);
  });

  it('locks only the failing client_id', async () => {
    await fail(3);
    expect(await admit('c2')).toBe(0);
  });

  it('doubles the lock with each failure after one, up to the cap', async () => {
    await fail(3);
    let lock = WINDOW_S;
    const locks: number[] = [];
    for (let i = 0; i < 8; i++) {
      now += lock * 1000; // the lock just ended; the failures stay one more window
      expect(await admit()).toBe(3 + i);
      await fail(1);
      lock = Number(String(await admit()).replace('retry after ', ''));
      locks.push(lock);
    }
    expect(locks).toEqual([20, 40, 80, 160, 320, 640, MAX_LOCK_MS / 1000, MAX_LOCK_MS / 1000]);
  });

  it('forgets failures spaced more than a window apart', async () => {
    await fail(2);
    now += WINDOW_S * 1000;
    await fail(2);
    expect(await admit()).toBe(2);
  });

  it('forgets the failures a window after the lock ended', async () => {
    await fail(3);
    now += 2 * WINDOW_S * 1000;
    expect(await admit()).toBe(0);
    await fail(1);
    expect(await admit()).toBe(1);
  });

  it('clears the record on success', async () => {
    await fail(2);
    await sut.succeeded('c1', 2);
    await fail(2);
    expect(await admit()).toBe(2);
  });

  it('answers 503 temporarily_unavailable when the store cannot answer', async () => {
    const broken = {
      get: () => Promise.reject(new RateLimitStoreUnavailableError(new Error('down'))),
      increment: () => Promise.reject(new RateLimitStoreUnavailableError(new Error('down'))),
    } as unknown as RateLimitStore;
    const unavailable = new ClientAuthBackoff(config, broken);
    await expect(unavailable.admit('c1')).rejects.toBeInstanceOf(RateLimitUnavailableError);
    await expect(unavailable.failed('c1')).rejects.toBeInstanceOf(RateLimitUnavailableError);
  });
});
