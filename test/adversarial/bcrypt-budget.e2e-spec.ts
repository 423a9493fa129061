import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { PAGE_HEADERS } from '../../src/authorization/page-response';
import { createUser, hiddenFields, PASSWORD } from '../support/code-flow';
import {
  createM2mClient,
  expectStatus,
  expectTooMany,
  FORM,
  from,
  INVALID_CLIENT,
  loginFrom,
  TOO_MANY_REQUESTS,
  tokenFrom,
} from '../support/from-address';
import { basicAuth, formBody, startTestApp, TestApp } from '../support/test-app';

/**
 * No input costs this server more than it costs the sender: each bcrypt a stranger can cause is
 * charged to the sender's address before it runs (docs/security/guessing.md).
 */

describe('lockout: bcrypt work is budgeted per source before it runs (RATE_LIMIT_BCRYPT_PER_IP=3)', () => {
  const WINDOW = 60;
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({
      RATE_LIMIT_BCRYPT_PER_IP: '3',
      RATE_LIMIT_WINDOW: String(WINDOW),
    });
  });
  after(() => sut.close());

  const signUp = (ip: string, username: string) =>
    from(sut, ip, {
      url: '/accounts',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username, password: PASSWORD }),
    });
  const usernames = async () =>
    (await sut.admin('GET', '/admin/users?limit=100'))
      .json()
      .map((user: { username: string }) => user.username);

  it('POST /accounts: past the budget 429 with Retry-After in the API error shape, and no account', async () => {
    for (let i = 0; i < 3; i++) expectStatus(await signUp('10.50.0.1', `budget-${i}`), 201);
    const refused = await signUp('10.50.0.1', 'budget-3');
    expectStatus(refused, 429, {
      error: 'too_many_requests',
      message: 'too many requests; retry after the time in Retry-After',
    });
    const wait = Number(refused.headers['retry-after']);
    expect(wait).toBeGreaterThan(WINDOW - 10);
    expect(wait).toBeLessThanOrEqual(WINDOW);
    expect(await usernames()).not.toContain('budget-3');
    expectStatus(await signUp('10.50.0.2', 'budget-3'), 201);
  });

  it('a taken username counts against the budget too, and its answer echoes nothing', async () => {
    expectStatus(await signUp('10.50.1.1', 'taken-name'), 201);
    for (const typed of ['TAKEN-NAME', 'Taken-Name']) {
      const taken = await signUp('10.50.1.1', typed);
      expectStatus(taken, 409, {
        error: 'conflict',
        message: 'that username is not available; choose another',
      });
      expect(taken.body).not.toContain(typed);
    }
    expectStatus(await signUp('10.50.1.1', 'taken-name'), 429);
  });

  it('/signup: past the budget a 429 page with Retry-After, and no account', async () => {
    const ip = '10.50.2.1';
    const post = async (username: string) => {
      const page = await from(sut, ip, { method: 'GET', url: '/signup' });
      const csrf = hiddenFields(page.body).csrf_token;
      return from(sut, ip, {
        url: '/signup',
        headers: { ...FORM, cookie: `gatehouse_csrf=${csrf}` },
        payload: formBody({ csrf_token: csrf, username, password: PASSWORD, email: '' }),
      });
    };
    for (let i = 0; i < 3; i++) {
      const created = await post(`page-budget-${i}`);
      expect(created.statusCode).toBe(303);
      expect(created.headers.location).toBe('/account');
    }
    const refused = await post('page-budget-3');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers).toMatchObject(PAGE_HEADERS);
    const wait = Number(refused.headers['retry-after']);
    expect(wait).toBeGreaterThan(WINDOW - 10);
    expect(refused.body).toContain('<h1>Too many requests</h1>');
    expect(refused.body).toContain(
      `Too many sign-ups came from your network. Wait ${wait} seconds, then try again.`,
    );
    expect(await usernames()).not.toContain('page-budget-3');
  });

  it('/login: past the budget a 429 page, and the password is not checked', async () => {
    const user = await createUser(sut, { username: 'budget-login' });
    const ip = '10.50.3.1';
    for (let i = 0; i < 3; i++) {
      const failed = await loginFrom(sut, ip, { username: 'nobody', password: 'wrong password' });
      expect(failed.location).toBe('/login?error=invalid');
    }
    const page = await from(sut, ip, { method: 'GET', url: '/login' });
    const csrf = hiddenFields(page.body).csrf_token;
    const refused = await from(sut, ip, {
      url: '/login',
      headers: { ...FORM, cookie: `gatehouse_csrf=${csrf}` },
      payload: formBody({ csrf_token: csrf, username: 'budget-login', password: user.password }),
    });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers).toMatchObject(PAGE_HEADERS);
    expect(refused.headers['set-cookie'] ?? '').not.toContain('gatehouse_session');
    expect(refused.body).toContain('Too many sign-in requests came from your network.');
  });

  it('/token, /introspect, /revoke: unknown client_ids spend the budget; then 429 RFC 6749 JSON', async () => {
    const ip = '10.50.4.1';
    for (let i = 0; i < 3; i++) {
      expectStatus(await tokenFrom(sut, ip, `unknown-${i}`, 'secret'), 401, INVALID_CLIENT);
    }
    const wait = expectTooMany(await tokenFrom(sut, ip, 'unknown-3', 'secret'), TOO_MANY_REQUESTS);
    expect(wait).toBeGreaterThan(WINDOW - 10);
    for (const url of ['/introspect', '/revoke']) {
      const response = await from(sut, ip, {
        url,
        headers: { ...FORM, authorization: basicAuth('unknown-4', 'secret') },
        payload: formBody({ token: 'x' }),
      });
      expectTooMany(response, TOO_MANY_REQUESTS);
    }
  });

  it('the right secret of a client, once verified, costs no budget', async () => {
    const client = await createM2mClient(sut);
    const ip = '10.50.5.1';
    for (let i = 0; i < 10; i++) {
      expectStatus(await tokenFrom(sut, ip, client.id, client.secret), 200);
    }
    // The one verification that ran bcrypt left two for strangers' work from this address.
    for (let i = 0; i < 2; i++) {
      expectStatus(await tokenFrom(sut, ip, `unknown-${i}`, 'secret'), 401, INVALID_CLIENT);
    }
    expectTooMany(await tokenFrom(sut, ip, 'unknown-x', 'secret'), TOO_MANY_REQUESTS);
  });
});

describe('lockout: open dynamic registration spends the budget of its source (RFC 7591)', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({ RATE_LIMIT_BCRYPT_PER_IP: '2', REGISTRATION_MODE: 'open' });
  });
  after(() => sut.close());

  const register = (ip: string, name: string) =>
    from(sut, ip, {
      url: '/register',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        client_name: name,
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
      }),
    });
  const clientNames = async () =>
    (await sut.admin('GET', '/admin/clients?limit=100'))
      .json()
      .map((client: { client_name: string }) => client.client_name);

  it('each new secret is charged before it is hashed; past the budget 429, and no client', async () => {
    for (let i = 0; i < 2; i++) expectStatus(await register('10.51.0.1', `dyn-${i}`), 201);
    expectTooMany(await register('10.51.0.1', 'dyn-2'), TOO_MANY_REQUESTS);
    expect(await clientNames()).not.toContain('dyn-2');
    expectStatus(await register('10.51.0.2', 'dyn-2'), 201);
  });
});
