import { expect } from 'expect';
import { beforeEach, describe, it } from 'node:test';
import { AppConfig } from '../config/app-config';
import { RateLimitUnavailableError } from '../rate-limit/rate-limit.errors';
import { MAX_MEMORY_ENTRIES, MemoryStore } from '../rate-limit/memory.store';
import { RateLimitStore, RateLimitStoreUnavailableError } from '../rate-limit/rate-limit.store';
import { LoginThrottle } from './login-throttle.service';
import { TestClock } from '../../test/support/clock';

const WINDOW = 900;
const config = {
  loginThrottle: { maxFailuresPerAccount: 3, maxFailuresPerIp: 5, window: WINDOW },
} as AppConfig;

describe(LoginThrottle.name, () => {
  let store: MemoryStore;
  let sut: LoginThrottle;
  let clock: TestClock;

  beforeEach(() => {
    clock = new TestClock(1_700_000_000_000);
    store = new MemoryStore(MAX_MEMORY_ENTRIES, clock);
    sut = new LoginThrottle(config, store, clock);
  });

  const fail = async (times: number, username: string, ip: string, throttle = sut) => {
    for (let i = 0; i < times; i++) await throttle.recordFailure(username, ip);
  };

  it('lets attempts through below the per-account limit', async () => {
    await fail(2, 'alice', '10.0.0.1');
    expect(await sut.retryAfter('alice', '10.0.0.1')).toBe(0);
  });

  it('blocks an account for the rest of the window once it reaches the limit', async () => {
    await fail(3, 'alice', '10.0.0.1');
    expect(await sut.retryAfter('alice', '10.0.0.1')).toBe(WINDOW);
    clock.advance(100_000);
    expect(await sut.retryAfter('alice', '10.0.0.1')).toBe(WINDOW - 100);
  });

  it('blocks the account from every IP, and counts usernames without regard to case', async () => {
    await fail(1, 'Alice', '10.0.0.1');
    await fail(1, 'ALICE', '10.0.0.2');
    await fail(1, 'alice', '10.0.0.3');
    expect(await sut.retryAfter('aLiCe', '10.0.0.99')).toBe(WINDOW);
    expect(await sut.retryAfter('bob', '10.0.0.99')).toBe(0);
  });

  it('blocks an IP that fails across many accounts once it reaches its limit', async () => {
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5']) await fail(1, user, '10.0.0.7');
    expect(await sut.retryAfter('someone-else', '10.0.0.7')).toBe(WINDOW);
    expect(await sut.retryAfter('someone-else', '10.0.0.8')).toBe(0);
  });

  it('counts one IPv6 /64 as one source, however the address is written', async () => {
    await fail(2, 'u1', '2001:db8:1:2::a');
    await fail(2, 'u2', '2001:db8:1:2:ffff:ffff:ffff:ffff');
    await fail(1, 'u3', '::ffff:10.0.0.9');
    expect(await sut.retryAfter('someone', '2001:0DB8:0001:0002::1')).toBe(0);
    await fail(1, 'u4', '2001:db8:1:2::b');
    expect(await sut.retryAfter('someone', '2001:0DB8:0001:0002::1')).toBe(WINDOW);
    expect(await sut.retryAfter('someone', '2001:db8:1:3::a')).toBe(0);
  });

  it('says to wait at least one second while blocked', async () => {
    await fail(3, 'alice', '10.0.0.1');
    clock.advance(WINDOW * 1000 - 1);
    expect(await sut.retryAfter('alice', '10.0.0.1')).toBe(1);
  });

  it('forgets the failures when the window ends', async () => {
    await fail(3, 'alice', '10.0.0.1');
    clock.advance(WINDOW * 1000);
    expect(await sut.retryAfter('alice', '10.0.0.1')).toBe(0);
    await fail(2, 'alice', '10.0.0.1');
    expect(await sut.retryAfter('alice', '10.0.0.1')).toBe(0);
  });

  it('keeps the window from the first failure: later failures do not extend it', async () => {
    await fail(2, 'alice', '10.0.0.1');
    clock.advance(600_000);
    await fail(1, 'alice', '10.0.0.1');
    expect(await sut.retryAfter('alice', '10.0.0.1')).toBe(WINDOW - 600);
  });

  it('clears the account count after a success, but not the IP count', async () => {
    await fail(2, 'alice', '10.0.0.1');
    await sut.recordSuccess('ALICE');
    await fail(2, 'alice', '10.0.0.1');
    expect(await sut.retryAfter('alice', '10.0.0.2')).toBe(0);
    await fail(1, 'bob', '10.0.0.1');
    expect(await sut.retryAfter('carol', '10.0.0.1')).toBe(WINDOW);
  });

  it('counts across every process that shares the store (Redis)', async () => {
    const otherProcess = new LoginThrottle(config, store, clock);
    await fail(2, 'alice', '10.0.0.1');
    await fail(1, 'alice', '10.0.0.2', otherProcess);
    expect(await sut.retryAfter('alice', '10.0.0.3')).toBe(WINDOW);
    expect(await otherProcess.retryAfter('alice', '10.0.0.3')).toBe(WINDOW);
  });

  it('fails closed: 503 when the store cannot answer', async () => {
    const down = Promise.reject(new RateLimitStoreUnavailableError(new Error('ECONNREFUSED')));
    down.catch(() => undefined);
    const broken = {
      get: () => down,
      increment: () => down,
      delete: () => down,
    } as unknown as RateLimitStore;
    const throttle = new LoginThrottle(config, broken, clock);
    await expect(throttle.retryAfter('alice', '10.0.0.1')).rejects.toBeInstanceOf(
      RateLimitUnavailableError,
    );
    await expect(throttle.recordFailure('alice', '10.0.0.1')).rejects.toBeInstanceOf(
      RateLimitUnavailableError,
    );
    await expect(throttle.recordSuccess('alice')).rejects.toBeInstanceOf(RateLimitUnavailableError);
  });
});
