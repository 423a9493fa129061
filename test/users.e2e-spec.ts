import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { TestBrowser } from './support/browser';
import { hiddenFields } from './support/code-flow';
import { basicAuth, InjectResult, startTestApp, TestApp } from './support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const PASSWORD = 'correct horse battery';

const SHORT_PASSWORD = {
  error: 'invalid_request',
  message: 'password: must be at least 8 characters',
  details: [{ field: 'password', problem: 'must be at least 8 characters' }],
};
const LONG_PASSWORD = {
  error: 'invalid_request',
  message: 'password: must be at most 72 bytes',
  details: [{ field: 'password', problem: 'must be at most 72 bytes' }],
};

/** No password, no hash, in any shape, anywhere in an answer. */
function expectNoSecrets(response: InjectResult, password: string): void {
  expect(response.body).not.toContain(password);
  expect(response.body).not.toMatch(/\$2[aby]\$/);
  expect(response.body).not.toMatch(/password|hash/i);
}

/** Signs in through the login form without a pending authorization: /account on success. */
async function signIn(sut: TestApp, username: string, password: string): Promise<string> {
  const browser = new TestBrowser(sut);
  const page = await browser.get('/login');
  const result = await browser.post('/login', {
    ...hiddenFields(page.body),
    username,
    password,
  });
  expect(result.statusCode).toBe(303);
  return result.location!;
}

describe('users: the admin API (docs/endpoints.md, Admin API)', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp();
  });
  after(() => sut.close());

  const createUser = async (body: object) => {
    const response = await sut.admin('POST', '/admin/users', body);
    expect(response.statusCode).toBe(201);
    return response.json();
  };

  describe('POST /admin/users', () => {
    it('creates a user: 201 with id (the sub, a UUID) and the profile, no password or hash', async () => {
      const response = await sut.admin('POST', '/admin/users', {
        username: 'Alice',
        password: PASSWORD,
        email: 'alice@example.com',
        email_verified: true,
        name: 'Alice Liddell',
        given_name: 'Alice',
        family_name: 'Liddell',
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toEqual({
        id: expect.stringMatching(UUID),
        username: 'Alice',
        email: 'alice@example.com',
        email_verified: true,
        name: 'Alice Liddell',
        given_name: 'Alice',
        family_name: 'Liddell',
        attributes: {},
        status: 'active',
        created_at: expect.stringMatching(ISO_DATE),
        updated_at: expect.stringMatching(ISO_DATE),
      });
      expectNoSecrets(response, PASSWORD);
    });

    it('creates a user with only username and password, the rest null or false', async () => {
      const response = await sut.admin('POST', '/admin/users', {
        username: 'minimal.user',
        password: PASSWORD,
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toEqual({
        id: expect.stringMatching(UUID),
        username: 'minimal.user',
        email: null,
        email_verified: false,
        name: null,
        given_name: null,
        family_name: null,
        attributes: {},
        status: 'active',
        created_at: expect.stringMatching(ISO_DATE),
        updated_at: expect.stringMatching(ISO_DATE),
      });
    });

    it('answers 409 for a username taken in another letter case', async () => {
      await createUser({ username: 'Bob', password: PASSWORD });
      const response = await sut.admin('POST', '/admin/users', {
        username: 'bOB',
        password: PASSWORD,
      });
      expect(response.statusCode).toBe(409);
      expect(response.json()).toEqual({ error: 'conflict', message: 'the username bOB is taken' });
      const list = await sut.admin('GET', '/admin/users?limit=100');
      expect(list.json().filter((u: any) => u.username.toLowerCase() === 'bob')).toHaveLength(1);
    });

    it('answers 400 naming the password field for a password under 8 characters', async () => {
      const response = await sut.admin('POST', '/admin/users', {
        username: 'short.pw',
        password: 'seven77',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(SHORT_PASSWORD);
      expect((await sut.admin('GET', '/admin/users?limit=100')).body).not.toContain('short.pw');
    });

    it('answers 400 naming the password field for a password over 72 bytes', async () => {
      const response = await sut.admin('POST', '/admin/users', {
        username: 'long.pw',
        password: 'é'.repeat(37),
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(LONG_PASSWORD);
    });

    it('accepts a password of exactly 8 characters and of exactly 72 bytes', async () => {
      await createUser({ username: 'eight', password: 'k9#mzq2L' });
      await createUser({ username: 'seventytwo', password: 'éèêëàâ'.repeat(6) });
      expect(await signIn(sut, 'seventytwo', 'éèêëàâ'.repeat(6))).toBe('/account');
    });

    it('answers 400 naming the field for a missing password, a bad username or email', async () => {
      const noPassword = await sut.admin('POST', '/admin/users', { username: 'nopw' });
      expect(noPassword.statusCode).toBe(400);
      expect(noPassword.json()).toEqual({
        error: 'invalid_request',
        message: 'password: must be a string',
        details: [{ field: 'password', problem: 'must be a string' }],
      });
      const badName = await sut.admin('POST', '/admin/users', {
        username: 'no spaces',
        password: PASSWORD,
      });
      expect(badName.statusCode).toBe(400);
      expect(badName.json()).toEqual({
        error: 'invalid_request',
        message: 'username: must be 3 to 64 letters, digits or . _ @ + -',
        details: [{ field: 'username', problem: 'must be 3 to 64 letters, digits or . _ @ + -' }],
      });
      const badEmail = await sut.admin('POST', '/admin/users', {
        username: 'bad.email',
        password: PASSWORD,
        email: 'not-an-email',
      });
      expect(badEmail.statusCode).toBe(400);
      expect(badEmail.json()).toEqual({
        error: 'invalid_request',
        message: 'email: must be an email',
        details: [{ field: 'email', problem: 'must be an email' }],
      });
    });

    it('answers 400 for an unknown field such as a ready-made password_hash', async () => {
      const response = await sut.admin('POST', '/admin/users', {
        username: 'hashy',
        password: PASSWORD,
        password_hash: '$2b$04$abcdefghijklmnopqrstuv',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_request',
        message: 'password_hash: should not exist',
        details: [{ field: 'password_hash', problem: 'should not exist' }],
      });
    });
  });

  describe('GET /admin/users', () => {
    it('lists users with X-Total-Count, paged by limit and offset, never a password', async () => {
      const all = await sut.admin('GET', '/admin/users?limit=100');
      expect(all.statusCode).toBe(200);
      const total = Number(all.headers['x-total-count']);
      expect(all.json()).toHaveLength(total);
      expect(total).toBeGreaterThanOrEqual(4);
      expectNoSecrets(all, PASSWORD);

      const page = await sut.admin('GET', '/admin/users?limit=2&offset=1');
      expect(page.statusCode).toBe(200);
      expect(page.headers['x-total-count']).toBe(String(total));
      expect(page.json()).toEqual(all.json().slice(1, 3));
    });

    it('reads one user by id, and answers 404 for an unknown or malformed id', async () => {
      const created = await createUser({ username: 'reader', password: PASSWORD });
      const read = await sut.admin('GET', `/admin/users/${created.id}`);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(created);
      expectNoSecrets(read, PASSWORD);

      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const missing = await sut.admin('GET', `/admin/users/${id}`);
        expect(missing.statusCode).toBe(404);
        expect(missing.json()).toEqual({ error: 'not_found', message: `user ${id} not found` });
      }
    });
  });

  describe('PATCH /admin/users/{id}', () => {
    it('changes the profile and answers the whole user, updated_at moving on', async () => {
      const created = await createUser({ username: 'profiled', password: PASSWORD });
      const response = await sut.admin('PATCH', `/admin/users/${created.id}`, {
        email: 'p@example.com',
        email_verified: true,
        name: 'Pro Filed',
        given_name: 'Pro',
        family_name: 'Filed',
      });
      expect(response.statusCode).toBe(200);
      const updated = response.json();
      expect(updated).toEqual({
        ...created,
        email: 'p@example.com',
        email_verified: true,
        name: 'Pro Filed',
        given_name: 'Pro',
        family_name: 'Filed',
        updated_at: expect.stringMatching(ISO_DATE),
      });
      expect(Date.parse(updated.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
      expect((await sut.admin('GET', `/admin/users/${created.id}`)).json()).toEqual(updated);
    });

    it('changes the password: the old one stops working, the new one works', async () => {
      const created = await createUser({ username: 'rotator', password: PASSWORD });
      const response = await sut.admin('PATCH', `/admin/users/${created.id}`, {
        password: 'a brand new secret',
      });
      expect(response.statusCode).toBe(200);
      expectNoSecrets(response, 'a brand new secret');
      expect(await signIn(sut, 'rotator', PASSWORD)).toBe('/login?error=invalid');
      expect(await signIn(sut, 'rotator', 'a brand new secret')).toBe('/account');
    });

    it('refuses a too short or too long new password with 400 naming the field', async () => {
      const created = await createUser({ username: 'keeper', password: PASSWORD });
      const short = await sut.admin('PATCH', `/admin/users/${created.id}`, { password: 'short' });
      expect(short.statusCode).toBe(400);
      expect(short.json()).toEqual(SHORT_PASSWORD);
      const long = await sut.admin('PATCH', `/admin/users/${created.id}`, {
        password: 'x'.repeat(73),
      });
      expect(long.statusCode).toBe(400);
      expect(long.json()).toEqual(LONG_PASSWORD);
      expect(await signIn(sut, 'keeper', PASSWORD)).toBe('/account');
    });

    it('disables a user, who can no longer sign in, and enables them again', async () => {
      const created = await createUser({ username: 'sleeper', password: PASSWORD });
      const disabled = await sut.admin('PATCH', `/admin/users/${created.id}`, {
        status: 'disabled',
      });
      expect(disabled.statusCode).toBe(200);
      expect(disabled.json().status).toBe('disabled');
      expect(await signIn(sut, 'sleeper', PASSWORD)).toBe('/login?error=invalid');
      const enabled = await sut.admin('PATCH', `/admin/users/${created.id}`, { status: 'active' });
      expect(enabled.json().status).toBe('active');
      expect(await signIn(sut, 'sleeper', PASSWORD)).toBe('/account');
    });

    it('ends the sessions of a user who is disabled', async () => {
      const created = await createUser({ username: 'session.holder', password: PASSWORD });
      const browser = new TestBrowser(sut);
      const page = await browser.get('/login');
      await browser.post('/login', {
        ...hiddenFields(page.body),
        username: 'session.holder',
        password: PASSWORD,
      });
      expect((await browser.get('/account')).statusCode).toBe(200);
      await sut.admin('PATCH', `/admin/users/${created.id}`, { status: 'disabled' });
      const account = await browser.get('/account');
      expect(account.statusCode).toBe(303);
      expect(account.location).toBe('/login');
    });

    it('refuses a bad status, a username change and an unknown field with 400', async () => {
      const created = await createUser({ username: 'fixed', password: PASSWORD });
      const status = await sut.admin('PATCH', `/admin/users/${created.id}`, { status: 'deleted' });
      expect(status.statusCode).toBe(400);
      expect(status.json().details).toEqual([
        { field: 'status', problem: 'must be one of the following values: active, disabled' },
      ]);
      const rename = await sut.admin('PATCH', `/admin/users/${created.id}`, { username: 'other' });
      expect(rename.statusCode).toBe(400);
      expect(rename.json().details).toEqual([{ field: 'username', problem: 'should not exist' }]);
      expect((await sut.admin('GET', `/admin/users/${created.id}`)).json()).toEqual(created);
    });

    it('answers 404 for an unknown user', async () => {
      const id = '00000000-0000-4000-8000-000000000001';
      const response = await sut.admin('PATCH', `/admin/users/${id}`, { name: 'x' });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ error: 'not_found', message: `user ${id} not found` });
    });
  });

  describe('DELETE /admin/users/{id}', () => {
    it('answers 204 with no body, then 404 for the user', async () => {
      const created = await createUser({ username: 'leaver', password: PASSWORD });
      const response = await sut.admin('DELETE', `/admin/users/${created.id}`);
      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');
      expect((await sut.admin('GET', `/admin/users/${created.id}`)).statusCode).toBe(404);
      expect((await sut.admin('DELETE', `/admin/users/${created.id}`)).statusCode).toBe(404);
      expect(await signIn(sut, 'leaver', PASSWORD)).toBe('/login?error=invalid');
    });

    it('frees the username for a new account', async () => {
      const created = await createUser({ username: 'reused', password: PASSWORD });
      await sut.admin('DELETE', `/admin/users/${created.id}`);
      const again = await createUser({ username: 'REUSED', password: PASSWORD });
      expect(again.id).not.toBe(created.id);
    });

    it("ends the deleted user's sessions", async () => {
      const created = await createUser({ username: 'gone.soon', password: PASSWORD });
      const browser = new TestBrowser(sut);
      const page = await browser.get('/login');
      await browser.post('/login', {
        ...hiddenFields(page.body),
        username: 'gone.soon',
        password: PASSWORD,
      });
      expect((await browser.get('/account')).statusCode).toBe(200);
      await sut.admin('DELETE', `/admin/users/${created.id}`);
      expect((await browser.get('/account')).location).toBe('/login');
    });
  });

  describe('authorization', () => {
    it('answers 401 without a token and 403 without the iam:admin scope', async () => {
      const anonymous = await sut.request({ method: 'GET', url: '/admin/users' });
      expect(anonymous.statusCode).toBe(401);
      const worker = await sut.admin('POST', '/admin/clients', {
        client_name: 'worker',
        client_type: 'm2m',
        scope: 'invoices:read',
      });
      const { client_id, client_secret } = worker.json();
      const token = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(client_id, client_secret) },
      );
      const headers = {
        authorization: `Bearer ${token.json().access_token}`,
        'content-type': 'application/json',
      };
      const list = await sut.request({ method: 'GET', url: '/admin/users', headers });
      expect(list.statusCode).toBe(403);
      expect(list.json()).toEqual({
        error: 'insufficient_scope',
        message: 'the access token lacks the iam:admin scope',
      });
      const create = await sut.request({
        method: 'POST',
        url: '/admin/users',
        headers,
        payload: { username: 'sneaky', password: PASSWORD },
      });
      expect(create.statusCode).toBe(403);
    });
  });
});

describe('users: self sign-up with POST /accounts (docs/signing-in.md)', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp();
  });
  after(() => sut.close());

  const signUp = (payload: object) =>
    sut.request({
      method: 'POST',
      url: '/accounts',
      headers: { 'content-type': 'application/json' },
      payload,
    });

  it('creates an account: 201 with exactly {id, username}, and the person can sign in', async () => {
    const response = await signUp({
      username: 'Carol',
      password: PASSWORD,
      email: 'carol@example.com',
    });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toEqual({ id: expect.stringMatching(UUID), username: 'Carol' });
    const stored = await sut.admin('GET', `/admin/users/${body.id}`);
    expect(stored.json()).toMatchObject({
      id: body.id,
      username: 'Carol',
      email: 'carol@example.com',
      email_verified: false,
      status: 'active',
    });
    expect(await signIn(sut, 'carol', PASSWORD)).toBe('/account');
  });

  it('creates an account without an email', async () => {
    const response = await signUp({ username: 'dave', password: PASSWORD });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ id: expect.stringMatching(UUID), username: 'dave' });
  });

  it('answers 409 for a username taken in another letter case, without echoing it', async () => {
    const response = await signUp({ username: 'CAROL', password: PASSWORD });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      error: 'conflict',
      message: 'that username is not available; choose another',
    });
  });

  it('never says an email is in use: a second account may give the same one', async () => {
    const response = await signUp({
      username: 'carol2',
      password: PASSWORD,
      email: 'carol@example.com',
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ id: expect.stringMatching(UUID), username: 'carol2' });
  });

  it('answers 400 naming the password for a short or an over-72-byte password', async () => {
    const short = await signUp({ username: 'erin', password: '1234567' });
    expect(short.statusCode).toBe(400);
    expect(short.json()).toEqual(SHORT_PASSWORD);
    const long = await signUp({ username: 'erin', password: '🔑'.repeat(19) });
    expect(long.statusCode).toBe(400);
    expect(long.json()).toEqual(LONG_PASSWORD);
  });

  it('answers 400 for a missing username or a bad email', async () => {
    const noName = await signUp({ password: PASSWORD });
    expect(noName.statusCode).toBe(400);
    expect(noName.json().details).toEqual([
      { field: 'username', problem: 'must be 3 to 64 letters, digits or . _ @ + -' },
      { field: 'username', problem: 'must be a string' },
    ]);
    const badEmail = await signUp({ username: 'frank', password: PASSWORD, email: 'frank' });
    expect(badEmail.statusCode).toBe(400);
    expect(badEmail.json()).toEqual({
      error: 'invalid_request',
      message: 'email: must be an email',
      details: [{ field: 'email', problem: 'must be an email' }],
    });
  });

  it('refuses fields a person may not set on themselves, such as email_verified or status', async () => {
    for (const extra of [{ email_verified: true }, { status: 'active' }, { name: 'x' }]) {
      const response = await signUp({ username: 'grace', password: PASSWORD, ...extra });
      expect(response.statusCode).toBe(400);
      expect(response.json().details).toEqual([
        { field: Object.keys(extra)[0], problem: 'should not exist' },
      ]);
    }
  });

  it('needs no token, and never answers a password or hash', async () => {
    const response = await signUp({ username: 'heidi', password: PASSWORD });
    expect(response.statusCode).toBe(201);
    expectNoSecrets(response, PASSWORD);
  });
});

describe('users: POST /accounts with SIGNUP_ENABLED=false', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({ SIGNUP_ENABLED: 'false' });
  });
  after(() => sut.close());

  it('answers 403 and creates nothing', async () => {
    const response = await sut.request({
      method: 'POST',
      url: '/accounts',
      headers: { 'content-type': 'application/json' },
      payload: { username: 'ivan', password: PASSWORD },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ error: 'forbidden', message: 'sign-up is disabled' });
    const list = await sut.admin('GET', '/admin/users');
    expect(list.headers['x-total-count']).toBe('0');
  });

  it('still lets the admin API create users', async () => {
    const response = await sut.admin('POST', '/admin/users', {
      username: 'judy',
      password: PASSWORD,
    });
    expect(response.statusCode).toBe(201);
  });
});
