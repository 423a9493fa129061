import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { createUser, PASSWORD } from '../support/code-flow';
import {
  CLIENT_CREDENTIALS,
  createM2mClient,
  expectStatus,
  expectTooMany,
  FORM,
  from,
  INVALID_CLIENT,
  loginFrom,
  THROTTLED,
  TOO_MANY_FAILURES,
  tokenFrom,
} from '../support/from-address';
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  formBody,
  startTestApp,
  TestApp,
} from '../support/test-app';

/**
 * Guessing and lockout, tried as an attacker would (docs/security/guessing.md): failures count
 * under the identity being attacked and where the attacker pays, never so that a stranger can
 * lock out a person or a client.
 */

describe('lockout: a login counts under the account it attacks, read once from the form body', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      LOGIN_MAX_FAILURES_PER_IP: '1000',
    });
  });
  after(() => sut.close());

  const failures = async (userId: string) => {
    const response = await sut.admin(
      'GET',
      `/admin/audit-events?${formBody({ type: 'login.failed', target_id: userId })}`,
    );
    expect(response.statusCode).toBe(200);
    return response
      .json<Array<{ details: { reason: string } }>>()
      .map((item) => item.details.reason);
  };

  it('refuses a username or password in the query string without checking it, and audits it against the account it names', async () => {
    const alice = await createUser(sut, { username: 'alice-q' });
    const attacker = '203.0.113.10';
    // Passport's local strategy would have read the username from the query string.
    for (const [query, form] of [
      ['?username=alice-q', { password: PASSWORD }],
      ['?username=alice-q', { username: 'alice-q', password: PASSWORD }],
      ['?password=x', { username: 'alice-q', password: PASSWORD }],
    ] as const) {
      const attempt = await loginFrom(sut, attacker, form, query);
      expect(attempt).toEqual({ location: '/login?error=missing', session: false });
    }
    expect(await failures(alice.id)).toEqual([
      'credentials_in_query',
      'credentials_in_query',
      'credentials_in_query',
    ]);
  });

  it('the attacker signing in to their own account does not clear the count of the account under attack', async () => {
    const alice = await createUser(sut, { username: 'alice-c' });
    await createUser(sut, { username: 'mallory-c' });
    const attacker = '203.0.113.11';
    for (let i = 0; i < 2; i++) {
      const failed = await loginFrom(sut, attacker, {
        username: 'alice-c',
        password: `guess ${i}`,
      });
      expect(failed.location).toBe('/login?error=invalid');
    }
    const own = await loginFrom(sut, attacker, { username: 'mallory-c', password: PASSWORD });
    expect(own).toEqual({ location: '/account', session: true });
    const third = await loginFrom(sut, attacker, { username: 'ALICE-C', password: 'guess 2' });
    expect(third.location).toBe('/login?error=invalid');
    // Three failures for alice-c: now even her right password waits, from anywhere.
    const refused = await loginFrom(sut, '198.51.100.7', {
      username: 'alice-c',
      password: PASSWORD,
    });
    expect(refused.location).toMatch(THROTTLED);
    expect(refused.session).toBe(false);
    expect(await failures(alice.id)).toEqual([
      'throttled',
      'invalid_credentials',
      'invalid_credentials',
      'invalid_credentials',
    ]);
  });
});

describe('lockout: nobody can lock a client out by failing under its client_id', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({
      CLIENT_AUTH_MAX_FAILURES: '3',
      CLIENT_AUTH_MAX_FAILURES_PER_IP: '10',
      CLIENT_AUTH_MAX_FAILURES_PER_CLIENT: '6',
      RATE_LIMIT_WINDOW: '60',
    });
  });
  after(() => sut.close());

  it('wrong secrets under the admin client_id lock the attacker; the admin with its secret gets tokens', async () => {
    const attacker = '203.0.113.20';
    for (let i = 0; i < 3; i++) {
      const response = await tokenFrom(sut, attacker, ADMIN_CLIENT_ID, `wrong secret ${i}`);
      expectStatus(response, 401, INVALID_CLIENT);
    }
    expectTooMany(
      await tokenFrom(sut, attacker, ADMIN_CLIENT_ID, 'wrong again'),
      TOO_MANY_FAILURES,
    );
    // The attacker's address pays, whatever it presents.
    expectTooMany(
      await tokenFrom(sut, attacker, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET),
      TOO_MANY_FAILURES,
    );
    for (let i = 0; i < 3; i++) {
      const admin = await tokenFrom(sut, '198.51.100.20', ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET);
      expectStatus(admin, 200);
      expect(admin.json().scope).toBe('iam:admin iam:check');
    }
  });

  it('a bare client_id (the none method) under the admin client_id locks only its sender', async () => {
    const attacker = '203.0.113.21';
    const bare = () =>
      from(sut, attacker, {
        url: '/token',
        headers: FORM,
        payload: formBody({ ...CLIENT_CREDENTIALS, client_id: ADMIN_CLIENT_ID }),
      });
    for (let i = 0; i < 3; i++) expectStatus(await bare(), 401, INVALID_CLIENT);
    expectTooMany(await bare(), TOO_MANY_FAILURES);
    expectStatus(await tokenFrom(sut, '198.51.100.21', ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET), 200);
  });

  it('a distributed attack on one client_id locks every address that failed for it, not the owner', async () => {
    const victim = await createM2mClient(sut);
    const bots = Array.from({ length: 6 }, (_, i) => `192.0.2.${i + 1}`);
    for (const bot of bots) {
      expectStatus(await tokenFrom(sut, bot, victim.id, 'guess'), 401, INVALID_CLIENT);
    }
    for (const bot of bots) {
      expectTooMany(await tokenFrom(sut, bot, victim.id, 'guess'), TOO_MANY_FAILURES);
    }
    // A fresh bot gets one guess, then it is locked as well.
    expectStatus(await tokenFrom(sut, '192.0.2.99', victim.id, 'guess'), 401, INVALID_CLIENT);
    expectTooMany(await tokenFrom(sut, '192.0.2.99', victim.id, 'guess'), TOO_MANY_FAILURES);
    expectStatus(await tokenFrom(sut, '198.51.100.22', victim.id, victim.secret), 200);
  });

  it('an address guessing across many client_ids is locked for all of them; others are not', async () => {
    const attacker = '203.0.113.23';
    const client = await createM2mClient(sut);
    for (let i = 0; i < 10; i++) {
      const response = await tokenFrom(sut, attacker, `guessed-client-${i}`, 'secret');
      expectStatus(response, 401, INVALID_CLIENT);
    }
    expectTooMany(await tokenFrom(sut, attacker, client.id, client.secret), TOO_MANY_FAILURES);
    expectStatus(await tokenFrom(sut, '198.51.100.23', client.id, client.secret), 200);
  });

  it('a success clears only its own record, never the address count that protects other clients', async () => {
    const attacker = '203.0.113.24';
    const own = await createM2mClient(sut);
    for (let i = 0; i < 9; i++) {
      const guess = await tokenFrom(sut, attacker, `other-client-${i % 3}-${i}`, 'secret');
      expectStatus(guess, 401, INVALID_CLIENT);
      if (i % 3 === 2) expectStatus(await tokenFrom(sut, attacker, own.id, own.secret), 200);
    }
    expectStatus(await tokenFrom(sut, attacker, 'other-client-x', 'secret'), 401, INVALID_CLIENT);
    expectTooMany(await tokenFrom(sut, attacker, own.id, own.secret), TOO_MANY_FAILURES);
  });
});
