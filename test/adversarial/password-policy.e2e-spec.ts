import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { TestBrowser } from '../support/browser';
import { hiddenFields } from '../support/code-flow';
import { passwordRule } from '../../src/users/password.policy';
import { startTestApp, TestApp } from '../support/test-app';

const invalid = (problem: string) => ({
  error: 'invalid_request',
  message: `password: ${problem}`,
  details: [{ field: 'password', problem }],
});

const WEAK: [string, string, string][] = [
  ['eight spaces', ' '.repeat(8), 'must not be only spaces'],
  ['a common password', 'Password123', 'is one of the most common passwords; choose another'],
  // On the maintained list (@zxcvbn-ts/language-common), not on the short one it replaced.
  [
    'a common password of the maintained list',
    'Steelers',
    'is one of the most common passwords; choose another',
  ],
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

/** PASSWORD_MIN_LENGTH raises the minimum on every path, and the message names it. */
describe('PASSWORD_MIN_LENGTH=12: every path refuses 11 characters, naming the minimum', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({ PASSWORD_MIN_LENGTH: '12' });
  });
  after(() => sut.close());

  const ELEVEN = 'k9#mzq2Lx4v';
  const TWELVE = 'k9#mzq2Lx4vR';
  const tooShort = invalid('must be at least 12 characters');

  it('POST /admin/users: 400 with 11 characters, 201 with 12', async () => {
    const refused = await sut.admin('POST', '/admin/users', {
      username: 'short.admin',
      password: ELEVEN,
    });
    expect({ status: refused.statusCode, body: refused.json() }).toEqual({
      status: 400,
      body: tooShort,
    });
    const created = await sut.admin('POST', '/admin/users', {
      username: 'long.admin',
      password: TWELVE,
    });
    expect(created.statusCode).toBe(201);
  });

  it('PATCH /admin/users/{id}: 400 with 11 characters', async () => {
    const created = await sut.admin('POST', '/admin/users', {
      username: 'patched.user',
      password: 'a sound passphrase',
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json<{ id: string }>();
    const response = await sut.admin('PATCH', `/admin/users/${id}`, { password: ELEVEN });
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 400,
      body: tooShort,
    });
  });

  it('POST /accounts: 400 with 11 characters', async () => {
    const response = await sut.request({
      method: 'POST',
      url: '/accounts',
      headers: { 'content-type': 'application/json' },
      payload: { username: 'short.account', password: ELEVEN },
    });
    expect({ status: response.statusCode, body: response.json() }).toEqual({
      status: 400,
      body: tooShort,
    });
  });

  it('the sign-up page states the minimum of 12 and refuses 11 characters', async () => {
    const browser = new TestBrowser(sut);
    const page = await browser.get('/signup');
    expect(page.body).toContain(passwordRule(12));
    const response = await browser.post('/signup', {
      ...hiddenFields(page.body),
      username: 'short.signup',
      password: ELEVEN,
    });
    expect({ status: response.statusCode, location: response.location }).toEqual({
      status: 303,
      location: '/signup?error=password',
    });
  });

  it('no account was created by the refused attempts', async () => {
    const list = await sut.admin('GET', '/admin/users?limit=100');
    for (const name of ['short.admin', 'short.account', 'short.signup']) {
      expect(list.body).not.toContain(`"${name}"`);
    }
    expect(list.body).toContain('"long.admin"');
  });
});
