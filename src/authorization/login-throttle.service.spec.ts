import { expect } from 'expect';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { AppConfig } from '../config/app-config';
import { LoginThrottle } from './login-throttle.service';

const WINDOW = 900;
const config = {
  loginThrottle: { maxFailuresPerAccount: 3, maxFailuresPerIp: 5, window: WINDOW },
} as AppConfig;

describe(LoginThrottle.name, () => {
  let sut: LoginThrottle;
  let now: number;

  beforeEach(() => {
    now = 1_700_000_000_000;
    mock.method(Date, 'now', () => now);
    sut = new LoginThrottle(config);
  });
  afterEach(() => mock.restoreAll());

  const fail = (times: number, username: string, ip: string) => {
    for (let i = 0; i < times; i++) sut.recordFailure(username, ip);
  };

  it('lets attempts through below the per-account limit', () => {
    fail(2, 'alice', '10.0.0.1');
    expect(sut.retryAfter('alice', '10.0.0.1')).toBe(0);
  });

  it('blocks an account for the rest of the window once it reaches the limit', () => {
    fail(3, 'alice', '10.0.0.1');
    expect(sut.retryAfter('alice', '10.0.0.1')).toBe(WINDOW);
    now += 100_000;
    expect(sut.retryAfter('alice', '10.0.0.1')).toBe(WINDOW - 100);
  });

  it('blocks the account from every IP, and counts usernames without regard to case', () => {
    fail(1, 'Alice', '10.0.0.1');
    fail(1, 'ALICE', '10.0.0.2');
    fail(1, 'alice', '10.0.0.3');
    expect(sut.retryAfter('aLiCe', '10.0.0.99')).toBe(WINDOW);
    expect(sut.retryAfter('bob', '10.0.0.99')).toBe(0);
  });

  it('blocks an IP that fails across many accounts once it reaches its limit', () => {
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5']) fail(1, user, '10.0.0.7');
    expect(sut.retryAfter('someone-else', '10.0.0.7')).toBe(WINDOW);
    expect(sut.retryAfter('someone-else', '10.0.0.8')).toBe(0);
  });

  it('says to wait at least one second while blocked', () => {
    fail(3, 'alice', '10.0.0.1');
    now += WINDOW * 1000 - 1;
    expect(sut.retryAfter('alice', '10.0.0.1')).toBe(1);
  });

  it('forgets the failures when the window ends', () => {
    fail(3, 'alice', '10.0.0.1');
    now += WINDOW * 1000;
    expect(sut.retryAfter('alice', '10.0.0.1')).toBe(0);
    fail(2, 'alice', '10.0.0.1');
    expect(sut.retryAfter('alice', '10.0.0.1')).toBe(0);
  });

  it('keeps the window from the first failure: later failures do not extend it', () => {
    fail(2, 'alice', '10.0.0.1');
    now += 600_000;
    fail(1, 'alice', '10.0.0.1');
    expect(sut.retryAfter('alice', '10.0.0.1')).toBe(WINDOW - 600);
  });

  it('clears the account count after a success, but not the IP count', () => {
    fail(2, 'alice', '10.0.0.1');
    sut.recordSuccess('ALICE');
    fail(2, 'alice', '10.0.0.1');
    expect(sut.retryAfter('alice', '10.0.0.2')).toBe(0);
    fail(1, 'bob', '10.0.0.1');
    expect(sut.retryAfter('carol', '10.0.0.1')).toBe(WINDOW);
  });
});
