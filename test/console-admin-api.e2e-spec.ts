import { expect } from 'expect';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { TestBrowser } from './support/browser';
import {
  createClient,
  createUser,
  hiddenFields,
  INVALID_GRANT,
  refresh,
  signInForTokens,
  userinfo,
} from './support/code-flow';
import { basicAuth, InjectResult, startTestApp, TestApp } from './support/test-app';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UNKNOWN_USER = '00000000-0000-4000-8000-000000000000';

/** The admin API's answer to a bad query parameter. */
const badQuery = (field: string, problem: string) => ({
  error: 'invalid_request',
  message: `${field}: ${problem}`,
  details: [{ field, problem }],
});

/**
 * The admin API additions the console needs (docs/endpoints.md, Admin API): searching clients
 * and users, the roles a subject holds, and a person's browser sessions with "sign out
 * everywhere".
 */
describe('admin API for the console: search, roles of a subject, sessions', () => {
  let sut: TestApp;
  let workerToken: string;
  before(async () => {
    sut = await startTestApp();
    const worker = (
      await sut.admin('POST', '/admin/clients', {
        client_name: 'no admin',
        client_type: 'm2m',
        scope: 'iam:check',
      })
    ).json();
    const token = await sut.postForm(
      '/token',
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(worker.client_id, worker.client_secret) },
    );
    workerToken = token.json().access_token;
  });
  after(() => sut.close());

  /** A fresh prefix, so each test's search sees only what it created. */
  const prefix = () => `t${randomBytes(4).toString('hex')}`;
  const get = (url: string) => sut.admin('GET', url);
  const names = (response: InjectResult, key: string) =>
    response.json<Record<string, string>[]>().map((item) => item[key]);
  const expectUnauthenticated = async (method: string, url: string) => {
    const response = await sut.request({ method, url });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      error: 'unauthorized',
      message: 'a Bearer access token is required',
    });
  };
  const expectForbidden = async (method: string, url: string) => {
    const response = await sut.request({
      method,
      url,
      headers: { authorization: `Bearer ${workerToken}` },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({
      error: 'insufficient_scope',
      message: 'the access token lacks the iam:admin scope',
    });
  };

  describe('GET /admin/clients?q=&status=', () => {
    it('finds clients by a case-insensitive substring of client_name or client_id', async () => {
      const p = prefix();
      const billing = (
        await sut.admin('POST', '/admin/clients', {
          client_name: `${p} Billing API`,
          client_type: 'm2m',
        })
      ).json();
      await sut.admin('POST', '/admin/clients', { client_name: `${p} Mailer`, client_type: 'm2m' });

      const byName = await get(`/admin/clients?q=${p.toUpperCase()}%20billing`);
      expect(byName.statusCode).toBe(200);
      expect(byName.headers['x-total-count']).toBe('1');
      expect(names(byName, 'client_id')).toEqual([billing.client_id]);

      const byId = await get(`/admin/clients?q=${billing.client_id.slice(2, 14).toUpperCase()}`);
      expect(byId.statusCode).toBe(200);
      expect(names(byId, 'client_id')).toEqual([billing.client_id]);

      const both = await get(`/admin/clients?q=${p}`);
      expect(both.headers['x-total-count']).toBe('2');
      expect(names(both, 'client_name')).toEqual([`${p} Billing API`, `${p} Mailer`]);
    });

    it('combines q with status, limit and offset; X-Total-Count counts every match', async () => {
      const p = prefix();
      for (const n of [1, 2, 3, 4])
        await sut.admin('POST', '/admin/clients', {
          client_name: `${p} worker ${n}`,
          client_type: 'm2m',
          ...(n % 2 === 0 ? { status: 'disabled' } : {}),
        });
      const disabled = await get(`/admin/clients?q=${p}&status=disabled`);
      expect(disabled.headers['x-total-count']).toBe('2');
      expect(names(disabled, 'client_name')).toEqual([`${p} worker 2`, `${p} worker 4`]);

      const active = await get(`/admin/clients?q=${p}&status=active&limit=1&offset=1`);
      expect(active.statusCode).toBe(200);
      expect(active.headers['x-total-count']).toBe('2');
      expect(names(active, 'client_name')).toEqual([`${p} worker 3`]);

      const none = await get(`/admin/clients?q=${p}-nothing`);
      expect(none.statusCode).toBe(200);
      expect(none.headers['x-total-count']).toBe('0');
      expect(none.json()).toEqual([]);
    });

    it('matches % _ and \\ literally, not as LIKE wildcards', async () => {
      const p = prefix();
      for (const name of ['100% sure', '100 sure', 'a_b', 'axb', 'back\\slash', 'backslash'])
        await sut.admin('POST', '/admin/clients', {
          client_name: `${p} ${name}`,
          client_type: 'm2m',
        });
      const search = async (q: string) =>
        names(await get(`/admin/clients?q=${encodeURIComponent(`${p} ${q}`)}`), 'client_name');
      expect(await search('100%')).toEqual([`${p} 100% sure`]);
      expect(await search('a_b')).toEqual([`${p} a_b`]);
      expect(await search('back\\')).toEqual([`${p} back\\slash`]);
      expect(await search('%')).toEqual([]);
    });

    it('answers 400 naming q for an empty, too long or NUL-bearing q, and status for another status', async () => {
      const empty = await get('/admin/clients?q=');
      expect(empty.statusCode).toBe(400);
      expect(empty.json()).toEqual(badQuery('q', 'must be longer than or equal to 1 characters'));
      const long = await get(`/admin/clients?q=${'a'.repeat(201)}`);
      expect(long.statusCode).toBe(400);
      expect(long.json()).toEqual(badQuery('q', 'must be shorter than or equal to 200 characters'));
      expect((await get(`/admin/clients?q=${'a'.repeat(200)}`)).statusCode).toBe(200);
      const nul = await get('/admin/clients?q=a%00b');
      expect(nul.statusCode).toBe(400);
      expect(nul.json()).toEqual(badQuery('q', 'contains a NUL character'));
      const status = await get('/admin/clients?status=gone');
      expect(status.statusCode).toBe(400);
      expect(status.json()).toEqual(
        badQuery('status', 'must be one of the following values: active, disabled'),
      );
    });

    it('answers 401 without a token and 403 without iam:admin', async () => {
      await expectUnauthenticated('GET', '/admin/clients?q=a');
      await expectForbidden('GET', '/admin/clients?q=a');
    });
  });

  describe('GET /admin/users?q=&status=', () => {
    it('finds users by a case-insensitive substring of username, email or name', async () => {
      const p = prefix();
      const alice = await createUser(sut, {
        username: `${p}-alice`,
        email: `wonder.${p}@example.com`,
        name: 'Alice Liddell',
      });
      const bob = await createUser(sut, {
        username: `${p}-bob`,
        email: `bob.${p}@example.org`,
        name: `Robert ${p.toUpperCase()} Smith`,
      });
      const byUsername = await get(`/admin/users?q=${p.toUpperCase()}-ALICE`);
      expect(byUsername.statusCode).toBe(200);
      expect(byUsername.headers['x-total-count']).toBe('1');
      expect(names(byUsername, 'id')).toEqual([alice.id]);
      expect(names(await get(`/admin/users?q=WONDER.${p}`), 'id')).toEqual([alice.id]);
      expect(names(await get(`/admin/users?q=robert%20${p}`), 'id')).toEqual([bob.id]);
      const both = await get(`/admin/users?q=${p}`);
      expect(both.headers['x-total-count']).toBe('2');
      expect(names(both, 'username')).toEqual([`${p}-alice`, `${p}-bob`]);
    });

    it('combines q with status and paging, and matches wildcards literally', async () => {
      const p = prefix();
      const first = await createUser(sut, { username: `${p}_one` });
      const second = await createUser(sut, { username: `${p}xone` });
      await sut.admin('PATCH', `/admin/users/${second.id}`, { status: 'disabled' });
      expect(names(await get(`/admin/users?q=${p}_`), 'id')).toEqual([first.id]);
      const disabled = await get(`/admin/users?q=${p}&status=disabled`);
      expect(disabled.headers['x-total-count']).toBe('1');
      expect(names(disabled, 'id')).toEqual([second.id]);
      const paged = await get(`/admin/users?q=${p}&limit=1&offset=1`);
      expect(paged.headers['x-total-count']).toBe('2');
      expect(names(paged, 'id')).toEqual([second.id]);
    });

    it('answers 400 for a bad q or status, 401 without a token, 403 without iam:admin', async () => {
      const long = await get(`/admin/users?q=${'b'.repeat(201)}`);
      expect(long.statusCode).toBe(400);
      expect(long.json()).toEqual(badQuery('q', 'must be shorter than or equal to 200 characters'));
      const nul = await get('/admin/users?q=%00');
      expect(nul.statusCode).toBe(400);
      expect(nul.json()).toEqual(badQuery('q', 'contains a NUL character'));
      const status = await get('/admin/users?status=Active');
      expect(status.statusCode).toBe(400);
      expect(status.json()).toEqual(
        badQuery('status', 'must be one of the following values: active, disabled'),
      );
      await expectUnauthenticated('GET', '/admin/users?q=a');
      await expectForbidden('GET', '/admin/users');
    });
  });

  describe('GET /admin/users/{id}/roles and /admin/clients/{client_id}/roles', () => {
    it("answers the subject's roles, sorted; none is an empty list", async () => {
      const p = prefix();
      for (const name of [`${p}-zeta`, `${p}-alpha`])
        expect(
          (await sut.admin('POST', '/admin/roles', { name, permissions: ['invoices:read'] }))
            .statusCode,
        ).toBe(201);
      const user = await createUser(sut);
      const client = await createClient(sut);

      const noRoles = await get(`/admin/users/${user.id}/roles`);
      expect(noRoles.statusCode).toBe(200);
      expect(noRoles.json()).toEqual({ roles: [] });
      expect((await get(`/admin/clients/${client.client_id}/roles`)).json()).toEqual({
        roles: [],
      });

      await sut.admin('PUT', `/admin/users/${user.id}/roles`, {
        roles: [`${p}-zeta`, `${p}-alpha`],
      });
      await sut.admin('PUT', `/admin/clients/${client.client_id}/roles`, {
        roles: [`${p}-zeta`],
      });
      const userRoles = await get(`/admin/users/${user.id}/roles`);
      expect(userRoles.statusCode).toBe(200);
      expect(userRoles.json()).toEqual({ roles: [`${p}-alpha`, `${p}-zeta`] });
      const clientRoles = await get(`/admin/clients/${client.client_id}/roles`);
      expect(clientRoles.statusCode).toBe(200);
      expect(clientRoles.json()).toEqual({ roles: [`${p}-zeta`] });
    });

    it('answers 404 for an unknown user or client, 401 and 403 as every admin route', async () => {
      const user = await get(`/admin/users/${UNKNOWN_USER}/roles`);
      expect(user.statusCode).toBe(404);
      expect(user.json()).toEqual({
        error: 'not_found',
        message: `user ${UNKNOWN_USER} not found`,
      });
      expect((await get('/admin/users/not-a-uuid/roles')).statusCode).toBe(404);
      const client = await get('/admin/clients/no-such-client/roles');
      expect(client.statusCode).toBe(404);
      expect(client.json()).toEqual({
        error: 'not_found',
        message: 'client no-such-client not found',
      });
      await expectUnauthenticated('GET', `/admin/users/${UNKNOWN_USER}/roles`);
      await expectForbidden('GET', '/admin/clients/no-such-client/roles');
    });
  });

  describe('GET and DELETE /admin/users/{id}/sessions', () => {
    /** Signs `user` in on the login page: a browser holding a live session cookie. */
    const signedInBrowser = async (user: { username: string; password: string }) => {
      const browser = new TestBrowser(sut);
      const page = await browser.get('/login');
      const result = await browser.post('/login', {
        ...hiddenFields(page.body),
        username: user.username,
        password: user.password,
      });
      expect(result.statusCode).toBe(303);
      return browser;
    };

    it("lists the person's live browser sessions, newest first, never a cookie or hash", async () => {
      const user = await createUser(sut);
      const none = await get(`/admin/users/${user.id}/sessions`);
      expect(none.statusCode).toBe(200);
      expect(none.json()).toEqual([]);

      const browser = await signedInBrowser(user);
      await signedInBrowser(user);
      const response = await get(`/admin/users/${user.id}/sessions`);
      expect(response.statusCode).toBe(200);
      const sessions = response.json<Record<string, unknown>[]>();
      expect(sessions).toEqual([
        {
          id: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
          created_at: expect.stringMatching(ISO_DATE),
          auth_time: expect.stringMatching(ISO_DATE),
          expires_at: expect.stringMatching(ISO_DATE),
          amr: ['pwd'],
          ip: '127.0.0.1',
          user_agent: 'lightMyRequest',
        },
        {
          id: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
          created_at: expect.stringMatching(ISO_DATE),
          auth_time: expect.stringMatching(ISO_DATE),
          expires_at: expect.stringMatching(ISO_DATE),
          amr: ['pwd'],
          ip: '127.0.0.1',
          user_agent: 'lightMyRequest',
        },
      ]);
      expect(sessions[0].id).not.toBe(sessions[1].id);
      expect(Date.parse(sessions[0].created_at as string)).toBeGreaterThanOrEqual(
        Date.parse(sessions[1].created_at as string),
      );
      expect(Date.parse(sessions[0].expires_at as string)).toBeGreaterThan(Date.now());
      const cookie = [...browser.cookies.values()].join(' ');
      for (const value of browser.cookies.values()) expect(response.body).not.toContain(value);
      expect(cookie.length).toBeGreaterThan(0);
    });

    it('signs the person out everywhere: sessions, refresh tokens and access tokens end, audited', async () => {
      const user = await createUser(sut);
      const client = await createClient(sut);
      const tokens = await signInForTokens(sut, client, user, { scope: 'openid offline_access' });
      const browser = await signedInBrowser(user);
      expect((await browser.get('/account')).statusCode).toBe(200);
      expect((await get(`/admin/users/${user.id}/sessions`)).json()).toHaveLength(2);

      const response = await sut.admin('DELETE', `/admin/users/${user.id}/sessions`);
      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');

      const after = await get(`/admin/users/${user.id}/sessions`);
      expect(after.statusCode).toBe(200);
      expect(after.json()).toEqual([]);
      const account = await browser.get('/account');
      expect(account.statusCode).toBe(303);
      expect(account.location).toMatch(/^\/login/);
      const refreshed = await refresh(sut, client, tokens.refresh_token!);
      expect(refreshed.statusCode).toBe(400);
      expect(refreshed.json()).toEqual(INVALID_GRANT);
      expect((await userinfo(sut, tokens.access_token)).statusCode).toBe(401);

      const events = await get(
        `/admin/audit-events?type=user.signed_out_everywhere&target_id=${user.id}`,
      );
      expect(events.statusCode).toBe(200);
      expect(events.json()).toEqual([
        expect.objectContaining({
          type: 'user.signed_out_everywhere',
          outcome: 'success',
          actor: { type: 'client', id: 'test-admin-client' },
          target: { type: 'user', id: user.id },
        }),
      ]);
      // The person is still active and can sign in again.
      expect((await get(`/admin/users/${user.id}`)).json().status).toBe('active');
    });

    it('answers 404 for an unknown user, 401 without a token and 403 without iam:admin', async () => {
      for (const method of ['GET', 'DELETE']) {
        const response = await sut.admin(method, `/admin/users/${UNKNOWN_USER}/sessions`);
        expect(response.statusCode).toBe(404);
        expect(response.json()).toEqual({
          error: 'not_found',
          message: `user ${UNKNOWN_USER} not found`,
        });
        expect((await sut.admin(method, '/admin/users/nobody/sessions')).statusCode).toBe(404);
        await expectUnauthenticated(method, `/admin/users/${UNKNOWN_USER}/sessions`);
        await expectForbidden(method, `/admin/users/${UNKNOWN_USER}/sessions`);
      }
      const events = await get(
        `/admin/audit-events?type=user.signed_out_everywhere&target_id=${UNKNOWN_USER}`,
      );
      expect(events.json()).toEqual([]);
    });
  });
});
