import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { PASSWORD } from '../support/code-flow';
import {
  CLIENT_CREDENTIALS,
  expectStatus,
  expectTooMany,
  INVALID_CLIENT,
  loginFrom,
  THROTTLED,
  TOO_MANY_FAILURES,
} from '../support/from-address';
import { basicAuth, startTestApp, TestApp } from '../support/test-app';

/** Rotating the interface id of an IPv6 address escapes no counter (docs/security/guessing.md). */

describe('lockout: an IPv6 /64 is one source for every counter (TRUST_PROXY=true)', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({
      TRUST_PROXY: 'true',
      LOGIN_MAX_FAILURES_PER_IP: '3',
      CLIENT_AUTH_MAX_FAILURES_PER_IP: '3',
      RATE_LIMIT_BCRYPT_PER_IP: '3',
    });
  });
  after(() => sut.close());

  /** The proxy in front says the request came from `address`. */
  const forwarded = (address: string) => ({ 'x-forwarded-for': address });

  it('failed logins from addresses in one /64 share the per-address count', async () => {
    for (let i = 1; i <= 3; i++) {
      const failed = await loginFrom(
        sut,
        '127.0.0.1',
        { username: `nobody-${i}`, password: 'wrong password' },
        '',
        forwarded(`2001:db8:aa:1::${i}`),
      );
      expect(failed.location).toBe('/login?error=invalid');
    }
    const sameNetwork = await loginFrom(
      sut,
      '127.0.0.1',
      { username: 'nobody-4', password: 'wrong password' },
      '',
      forwarded('2001:db8:aa:1:ffff:ffff:ffff:9'),
    );
    expect(sameNetwork.location).toMatch(THROTTLED);
    const otherNetwork = await loginFrom(
      sut,
      '127.0.0.1',
      { username: 'nobody-5', password: 'wrong password' },
      '',
      forwarded('2001:db8:aa:2::1'),
    );
    expect(otherNetwork.location).toBe('/login?error=invalid');
    // The three failed logins spent the bcrypt budget of their /64: a sign-up from it waits.
    const signUp = (address: string, username: string) =>
      sut.request({
        method: 'POST',
        url: '/accounts',
        headers: { 'content-type': 'application/json', ...forwarded(address) },
        payload: { username, password: PASSWORD },
      });
    expectStatus(await signUp('2001:db8:aa:1::77', 'v6-signup-1'), 429);
    expectStatus(await signUp('2001:db8:aa:3::1', 'v6-signup-2'), 201);
  });

  it('failed client authentications from one /64 share one count', async () => {
    const attempt = (address: string, clientId: string) =>
      sut.postForm('/token', CLIENT_CREDENTIALS, {
        authorization: basicAuth(clientId, 'wrong secret'),
        ...forwarded(address),
      });
    for (let i = 1; i <= 3; i++) {
      expectStatus(await attempt(`2001:db8:bb:1::${i}`, `v6-client-${i}`), 401, INVALID_CLIENT);
    }
    expectTooMany(await attempt('2001:db8:bb:1::99', 'v6-client-4'), TOO_MANY_FAILURES);
    expectStatus(await attempt('2001:db8:bb:2::1', 'v6-client-5'), 401, INVALID_CLIENT);
  });
});
