import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { TestBrowser } from './support/browser';
import { startTestApp, TestApp } from './support/test-app';

/** Signs in with a wrong password from a claimed X-Forwarded-For address; returns the Location. */
async function failedLogin(sut: TestApp, username: string, forwardedFor: string): Promise<string> {
  const page = await sut.request({ method: 'GET', url: '/login' });
  const cookie = String(page.headers['set-cookie']).split(';')[0];
  const fields = TestBrowser.hiddenFields(page.body);
  const response = await sut.request({
    method: 'POST',
    url: '/login',
    headers: {
      cookie,
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': forwardedFor,
    },
    payload: new URLSearchParams({ ...fields, username, password: 'wrong password' }).toString(),
  });
  expect(response.statusCode).toBe(303);
  return String(response.headers.location);
}

describe('TRUST_PROXY and the per-IP login limit', () => {
  describe('by default (TRUST_PROXY=false)', () => {
    let sut: TestApp;
    before(async () => {
      sut = await startTestApp({ LOGIN_MAX_FAILURES_PER_IP: '2' });
    });
    after(() => sut.close());

    it('ignores X-Forwarded-For, so rotating it does not escape the limit', async () => {
      expect(await failedLogin(sut, 'user-a', '203.0.113.1')).toBe('/login?error=invalid');
      expect(await failedLogin(sut, 'user-b', '203.0.113.2')).toBe('/login?error=invalid');
      expect(await failedLogin(sut, 'user-c', '203.0.113.3')).toMatch(
        /^\/login\?error=throttled&wait=\d+$/,
      );
    });
  });

  describe('with TRUST_PROXY=1 (one proxy in front)', () => {
    let sut: TestApp;
    before(async () => {
      sut = await startTestApp({ LOGIN_MAX_FAILURES_PER_IP: '2', TRUST_PROXY: '1' });
    });
    after(() => sut.close());

    it('counts per forwarded client address', async () => {
      expect(await failedLogin(sut, 'user-a', '203.0.113.1')).toBe('/login?error=invalid');
      expect(await failedLogin(sut, 'user-b', '203.0.113.1')).toBe('/login?error=invalid');
      expect(await failedLogin(sut, 'user-c', '203.0.113.2')).toBe('/login?error=invalid');
      expect(await failedLogin(sut, 'user-d', '203.0.113.1')).toMatch(
        /^\/login\?error=throttled&wait=\d+$/,
      );
    });
  });
});
