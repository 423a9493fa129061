import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { TestBrowser } from '../support/browser';
import { hiddenFields } from '../support/code-flow';
import { startTestApp, TestApp } from '../support/test-app';

const WEAK: [string, string, string][] = [
  ['eight spaces', ' '.repeat(8), 'must not be only spaces'],
  ['a common password', 'Password123', 'is one of the most common passwords; choose another'],
  ['the username', 'mallory.user', 'must not be the username or email'],
];

/**
 * NIST SP 800-63B §5.1.1.2: every path that sets a password refuses the weak ones with a 400
 * naming the problem: the admin API (create and change), sign-up as JSON and the sign-up page.
 */
describe('every path that sets a password refuses weak ones', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp();
  });
  after(() => sut.close());

  const invalid = (problem: string) => ({
    error: 'invalid_request',
    message: `password: ${problem}`,
    details: [{ field: 'password', problem }],
  });

  for (const [what, password, problem] of WEAK) {
    it(`POST /admin/users with ${what}: 400 naming the problem`, async () => {
      const response = await sut.admin('POST', '/admin/users', {
        username: 'mallory.user',
        password,
      });
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: invalid(problem),
      });
    });

    it(`PATCH /admin/users/{id} to ${what}: 400 naming the problem`, async () => {
      const created = await sut.admin('POST', '/admin/users', {
        username: `mallory.user`.replace('user', String(Math.random()).slice(2, 8)),
        password: 'a sound passphrase',
      });
      expect(created.statusCode).toBe(201);
      const { id, username } = created.json<{ id: string; username: string }>();
      const response = await sut.admin('PATCH', `/admin/users/${id}`, {
        password: password === 'mallory.user' ? username.toUpperCase() : password,
      });
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: invalid(problem),
      });
    });

    it(`POST /accounts with ${what}: 400 naming the problem, no account`, async () => {
      const response = await sut.request({
        method: 'POST',
        url: '/accounts',
        headers: { 'content-type': 'application/json' },
        payload: { username: 'mallory.user', password },
      });
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: invalid(problem),
      });
    });

    it(`the sign-up page with ${what}: back to the form with error=password, no account`, async () => {
      const browser = new TestBrowser(sut);
      const page = await browser.get('/signup');
      const response = await browser.post('/signup', {
        ...hiddenFields(page.body),
        username: 'mallory.user',
        password,
      });
      expect({ status: response.statusCode, location: response.location }).toEqual({
        status: 303,
        location: '/signup?error=password',
      });
    });
  }

  it('no account was created by any of these attempts', async () => {
    const list = await sut.admin('GET', '/admin/users?limit=100');
    expect(list.body).not.toContain('"mallory.user"');
  });
});
