import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { PasswordReset } from '../src/account/password-reset.service';
import { TestBrowser } from './support/browser';
import {
  createClient,
  createUser,
  dataSource,
  PASSWORD,
  refresh,
  signInForTokens,
  TestUser,
  userinfo,
} from './support/code-flow';
import { linkIn, MailCatcher } from './support/mail-catcher';
import { startTestApp, TestApp } from './support/test-app';

const NEW_PASSWORD = 'a brand new passphrase 42';

async function signIn(
  sut: TestApp,
  user: TestUser,
  password = user.password,
): Promise<TestBrowser> {
  const browser = new TestBrowser(sut);
  const page = await browser.get('/login');
  const response = await browser.post('/login', {
    ...TestBrowser.hiddenFields(page.body),
    username: user.username,
    password,
  });
  expect(response.statusCode).toBe(303);
  expect(response.location).toBe('/account');
  return browser;
}

/** GETs `path` and posts its first form with `fields`. */
async function submit(
  browser: TestBrowser,
  path: string,
  action: string,
  fields: Record<string, string>,
) {
  const page = await browser.get(path);
  expect(page.statusCode).toBe(200);
  return browser.post(action, { ...TestBrowser.hiddenFields(page.body), ...fields });
}

async function requestReset(sut: TestApp, identifier: Record<string, string>) {
  const browser = new TestBrowser(sut);
  const response = await submit(browser, '/password/forgot', '/password/forgot', identifier);
  await sut.app.get(PasswordReset).settled();
  return response;
}

describe('mail, email verification, password reset and the account pages (docs/account.md)', () => {
  let mail: MailCatcher;
  let sut: TestApp;

  before(async () => {
    mail = await MailCatcher.start();
    sut = await startTestApp({
      SMTP_URL: mail.url,
      MAIL_FROM: 'Example Login <login@example.com>',
    });
  });
  after(async () => {
    await sut?.close();
    await mail?.close();
  });

  describe('email verification', () => {
    it('sign-up mails a link that says who sent it; opening it makes email_verified true in userinfo', async () => {
      const browser = new TestBrowser(sut);
      const username = `signup${Date.now().toString(36)}`;
      const email = `${username}@example.com`;
      const created = await submit(browser, '/signup', '/signup', {
        username,
        email,
        password: PASSWORD,
      });
      expect(created.statusCode).toBe(303);

      const message = await mail.next(email);
      expect(message.from).toBe('login@example.com');
      expect(message.decoded).toContain('Subject: Example Login: confirm your email address');
      expect(message.decoded).toContain(
        `the account "${username}" at Example Login (http://localhost:3000)`,
      );
      const { url, token } = linkIn(message, '/verify-email/confirm');
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

      // The link shows a button: a mail scanner's GET redeems nothing.
      const page = await browser.get(`${url.pathname}${url.search}`);
      expect(page.statusCode).toBe(200);
      const again = await browser.get(`${url.pathname}${url.search}`);
      expect(again.statusCode).toBe(200);
      const confirmed = await browser.post(
        '/verify-email/confirm',
        TestBrowser.hiddenFields(page.body),
      );
      expect(confirmed.statusCode).toBe(303);
      expect(confirmed.location).toBe('/verify-email/confirmed');

      // Single use.
      const reused = await browser.post(
        '/verify-email/confirm',
        TestBrowser.hiddenFields(page.body),
      );
      expect(reused.location).toBe('/verify-email/invalid');
      expect((await browser.get('/verify-email/invalid')).statusCode).toBe(400);

      const users = (await sut.admin('GET', '/admin/users?limit=200')).json<
        Array<Record<string, unknown>>
      >();
      const user = users.find((u) => u.username === username)!;
      const client = await createClient(sut);
      const tokens = await signInForTokens(sut, client, {
        id: String(user.id),
        username,
        password: PASSWORD,
      });
      expect((await userinfo(sut, tokens.access_token)).json()).toMatchObject({
        email,
        email_verified: true,
      });
    });

    it('a tampered or unknown token is a 400 page and verifies nothing', async () => {
      const browser = new TestBrowser(sut);
      for (const token of ['x'.repeat(43), 'short', '%00'.repeat(3)]) {
        const page = await browser.get(`/verify-email/confirm?token=${token}`);
        expect([400]).toContain(page.statusCode);
      }
    });

    it('an admin changing the address makes it unverified and mails the new address; the old link is worthless', async () => {
      const user = await createUser(sut, { email_verified: true });
      const fresh = `${user.username}.new@example.com`;
      const patched = await sut.admin('PATCH', `/admin/users/${user.id}`, { email: fresh });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({ email: fresh, email_verified: false });
      await mail.next(fresh);

      const resent = await sut.admin('POST', `/admin/users/${user.id}/email-verification`);
      expect(resent.statusCode).toBe(202);
      expect(resent.json()).toEqual({ delivery: 'sent' });
      expect(mail.to(fresh)).toHaveLength(2);

      const marked = await sut.admin('PATCH', `/admin/users/${user.id}`, { email_verified: true });
      expect(marked.json()).toMatchObject({ email_verified: true });
      const already = await sut.admin('POST', `/admin/users/${user.id}/email-verification`);
      expect(already.statusCode).toBe(400);
      expect(already.json()).toEqual({
        error: 'invalid_request',
        message: expect.any(String),
        details: [{ field: 'email', problem: 'is verified already' }],
      });
      expect(
        (
          await sut.admin(
            'POST',
            '/admin/users/00000000-0000-4000-8000-000000000000/email-verification',
          )
        ).statusCode,
      ).toBe(404);
    });

    it('the admin route is in the OpenAPI document and needs an admin token', async () => {
      const document = (await sut.request({ method: 'GET', url: '/docs-json' })).json();
      expect(document.paths['/admin/users/{id}/email-verification'].post).toMatchObject({
        tags: ['admin: users'],
        responses: { '202': expect.anything() },
      });
      const anonymous = await sut.request({
        method: 'POST',
        url: '/admin/users/00000000-0000-4000-8000-000000000000/email-verification',
      });
      expect(anonymous.statusCode).toBe(401);
    });

    it('an admin setting email_verified is audited as user.updated naming the field', async () => {
      const user = await createUser(sut);
      await sut.admin('PATCH', `/admin/users/${user.id}`, { email_verified: true });
      const events = await sut.admin('GET', '/admin/audit-events?type=user.updated&limit=200');
      expect(
        events.json<Array<Record<string, any>>>().find((e) => e.target?.id === user.id),
      ).toMatchObject({ details: { fields: ['email_verified'] } });
    });
  });

  describe('password reset', () => {
    it('the login page links to it', async () => {
      expect((await sut.request({ method: 'GET', url: '/login' })).body).toContain(
        '<a href="/password/forgot">Forgot password?</a>',
      );
    });

    it('answers an unknown account exactly as a known one, and mails only the known one', async () => {
      const user = await createUser(sut);
      const known = await requestReset(sut, { username: user.username });
      const unknown = await requestReset(sut, { username: `nobody${Date.now()}` });
      const byEmail = await requestReset(sut, { email: `nobody${Date.now()}@example.com` });
      for (const response of [known, unknown, byEmail]) {
        expect(response.statusCode).toBe(303);
        expect(response.location).toBe('/password/forgot/sent');
        expect(response.body).toBe('');
      }
      expect(
        mail
          .to(`${user.username}@example.com`)
          .filter((m) => m.decoded.includes('reset your password')),
      ).toHaveLength(1);
    });

    it('a link works once, sets the new password, and ends every session and refresh token', async () => {
      const user = await createUser(sut);
      const client = await createClient(sut);
      const tokens = await signInForTokens(sut, client, user);
      const signedIn = await signIn(sut, user);
      const since = mail.mails.length;
      await requestReset(sut, { email: `${user.username}@example.com` });
      const message = await mail.next(`${user.username}@example.com`, since);
      expect(message.decoded).toContain('It works once, for 15 minutes.');
      const { url } = linkIn(message, '/password/reset');

      const browser = new TestBrowser(sut);
      const page = await browser.get(`${url.pathname}${url.search}`);
      expect(page.statusCode).toBe(200);
      const weak = await browser.post('/password/reset', {
        ...TestBrowser.hiddenFields(page.body),
        password: 'short',
      });
      expect(weak.statusCode).toBe(303);
      expect(weak.location).toMatch(/^\/password\/reset\?token=.*&error=password$/);

      const done = await browser.post('/password/reset', {
        ...TestBrowser.hiddenFields(page.body),
        password: NEW_PASSWORD,
      });
      expect(done.location).toBe('/password/reset/done');
      const reused = await browser.post('/password/reset', {
        ...TestBrowser.hiddenFields(page.body),
        password: 'another passphrase 77',
      });
      expect(reused.location).toBe('/password/reset/invalid');
      expect((await browser.get(`${url.pathname}${url.search}`)).statusCode).toBe(400);

      // Sessions and refresh token families ended; the new password signs in.
      expect((await signedIn.get('/account')).location).toBe('/login');
      const refreshed = await refresh(sut, client, tokens.refresh_token!);
      expect(refreshed.statusCode).toBe(400);
      expect(refreshed.json()).toMatchObject({ error: 'invalid_grant' });
      await signIn(sut, user, NEW_PASSWORD);
      const notice = await mail.next(
        `${user.username}@example.com`,
        mail.mails.indexOf(message) + 1,
      );
      expect(notice.decoded).toContain('your password was changed');
    });

    it('an expired or tampered link changes nothing', async () => {
      const user = await createUser(sut);
      const since = mail.mails.length;
      await requestReset(sut, { username: user.username });
      const { url, token } = linkIn(
        await mail.next(`${user.username}@example.com`, since),
        '/password/reset',
      );
      const browser = new TestBrowser(sut);
      const page = await browser.get(`${url.pathname}${url.search}`);
      const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      expect((await browser.get(`/password/reset?token=${tampered}`)).statusCode).toBe(400);
      const forged = await browser.post('/password/reset', {
        ...TestBrowser.hiddenFields(page.body),
        token: tampered,
        password: NEW_PASSWORD,
      });
      expect(forged.location).toBe('/password/reset/invalid');

      await dataSource(sut).query(
        `UPDATE "account_links" SET "expires_at" = now() - interval '1 second' WHERE "user_id" = $1`,
        [user.id],
      );
      const expired = await browser.post('/password/reset', {
        ...TestBrowser.hiddenFields(page.body),
        password: NEW_PASSWORD,
      });
      expect(expired.location).toBe('/password/reset/invalid');
      await signIn(sut, user, PASSWORD);
    });

    it('stores only the SHA-256 of a link token', async () => {
      const user = await createUser(sut);
      const since = mail.mails.length;
      await requestReset(sut, { username: user.username });
      const { token } = linkIn(
        await mail.next(`${user.username}@example.com`, since),
        '/password/reset',
      );
      const rows = await dataSource(sut).query(
        `SELECT "token_hash" FROM "account_links" WHERE "user_id" = $1 AND "purpose" = 'password_reset'`,
        [user.id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].token_hash).not.toContain(token);
      expect(rows[0].token_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });
  });

  describe('the account pages', () => {
    it('profile: saves names, and the page says so', async () => {
      const user = await createUser(sut);
      const browser = await signIn(sut, user);
      const saved = await submit(browser, '/account', '/account/profile', {
        name: 'Ada Lovelace',
        given_name: 'Ada',
        family_name: 'Lovelace',
      });
      expect(saved.statusCode).toBe(303);
      expect(saved.location).toBe('/account?done=profile');
      const page = await browser.get(saved.location!);
      expect(page.body).toContain('Your profile is saved.');
      expect(page.body).toContain('value="Ada Lovelace"');
    });

    it('email: a change needs the current password, then re-verifies', async () => {
      const user = await createUser(sut, { email_verified: true });
      const browser = await signIn(sut, user);
      const fresh = `${user.username}.changed@example.com`;
      const wrong = await submit(browser, '/account/email', '/account/email', {
        email: fresh,
        current_password: 'not it',
      });
      expect(wrong.location).toBe('/account/email?error=current');
      const changed = await submit(browser, '/account/email', '/account/email', {
        email: fresh,
        current_password: PASSWORD,
      });
      expect(changed.location).toBe('/account/email?done=email');
      expect((await sut.admin('GET', `/admin/users/${user.id}`)).json()).toMatchObject({
        email: fresh,
        email_verified: false,
      });
      linkIn(await mail.next(fresh), '/verify-email/confirm');
    });

    it('password: the current one is required; other sessions end, this one stays', async () => {
      const user = await createUser(sut);
      const other = await signIn(sut, user);
      const browser = await signIn(sut, user);
      const changed = await submit(browser, '/account/password', '/account/password', {
        current_password: PASSWORD,
        new_password: NEW_PASSWORD,
      });
      expect(changed.location).toBe('/account/password?done=password');
      expect((await browser.get('/account')).statusCode).toBe(200);
      expect((await other.get('/account')).location).toBe('/login');
    });

    it('sessions: lists them and signs out one or all others', async () => {
      const user = await createUser(sut);
      const first = await signIn(sut, user);
      const second = await signIn(sut, user);
      const browser = await signIn(sut, user);
      const page = await browser.get('/account/sessions');
      expect(page.body).toContain('This browser');
      expect(page.body.match(/Sign out this session/g)).toHaveLength(2);
      expect(page.body).not.toContain(first.cookies.get('gatehouse_session')!);
      const ended = await submit(browser, '/account/sessions', '/account/sessions/end', {});
      expect(ended.location).toBe('/account/sessions?done=session');
      const alive = [await first.get('/account'), await second.get('/account')].filter(
        (r) => r.statusCode === 200,
      );
      expect(alive).toHaveLength(1);
      const others = await submit(browser, '/account/sessions', '/account/sessions/end-others', {});
      expect(others.location).toBe('/account/sessions?done=sessions');
      expect((await first.get('/account')).location).toBe('/login');
      expect((await second.get('/account')).location).toBe('/login');
      expect((await browser.get('/account')).statusCode).toBe(200);
    });

    it("apps: lists remembered consent; revoking forgets it and ends that app's refresh tokens", async () => {
      const user = await createUser(sut);
      const client = await createClient(sut, { client_name: 'Billing' });
      const tokens = await signInForTokens(sut, client, user);
      const browser = await signIn(sut, user);
      const page = await browser.get('/account/apps');
      expect(page.body).toContain('<strong>Billing</strong>');
      const revoked = await browser.post('/account/apps/revoke', {
        ...TestBrowser.hiddenFields(page.body),
        client_id: client.client_id,
      });
      expect(revoked.location).toBe('/account/apps?done=app');
      expect((await browser.get('/account/apps')).body).not.toContain('<strong>Billing</strong>');
      expect((await refresh(sut, client, tokens.refresh_token!)).statusCode).toBe(400);
    });

    it('sends every account page without a session to the login page, and refuses a POST without the CSRF token', async () => {
      for (const path of [
        '/account',
        '/account/email',
        '/account/password',
        '/account/sessions',
        '/account/apps',
      ]) {
        const response = await sut.request({ method: 'GET', url: path });
        expect(response.statusCode).toBe(303);
        expect(response.headers.location).toBe('/login');
      }
      const user = await createUser(sut);
      const browser = await signIn(sut, user);
      const forged = await browser.post('/account/password', {
        current_password: PASSWORD,
        new_password: NEW_PASSWORD,
      });
      expect(forged.location).toBe('/account/password?error=csrf');
    });
  });
});

describe('EMAIL_VERIFICATION=required', () => {
  let mail: MailCatcher;
  let sut: TestApp;

  before(async () => {
    mail = await MailCatcher.start();
    sut = await startTestApp({
      SMTP_URL: mail.url,
      MAIL_FROM: 'login@example.com',
      EMAIL_VERIFICATION: 'required',
      MAIL_RATE_PER_ACCOUNT: '2',
    });
  });
  after(async () => {
    await sut?.close();
    await mail?.close();
  });

  it('login completes no authorization until the link is opened', async () => {
    const user = await createUser(sut);
    const client = await createClient(sut);
    const browser = await signIn(sut, user);
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: 'https://app.example.com/cb',
      scope: 'openid email',
      state: 's',
    });
    const step = await browser.get(`/authorize?${query.toString()}`);
    expect(step.statusCode).toBe(302);
    expect(step.location).toMatch(/^\/verify-email\?interaction=/);
    const page = await browser.get(step.location!);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Before you continue, confirm');

    const none = await browser.get(`/authorize?${query.toString()}&prompt=none`);
    expect(new URL(none.location!).searchParams.get('error')).toBe('interaction_required');

    // Resend, rate limited per account and source.
    const sent = await browser.post('/verify-email', TestBrowser.hiddenFields(page.body));
    expect(sent.location).toMatch(/sent=sent/);
    await browser.post('/verify-email', TestBrowser.hiddenFields(page.body));
    const limited = await browser.post('/verify-email', TestBrowser.hiddenFields(page.body));
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toEqual(expect.any(String));

    const mails = mail.to(`${user.username}@example.com`);
    const { url } = linkIn(mails[mails.length - 1], '/verify-email/confirm');
    const confirm = await browser.get(`${url.pathname}${url.search}`);
    expect(
      (await browser.post('/verify-email/confirm', TestBrowser.hiddenFields(confirm.body)))
        .location,
    ).toBe('/verify-email/confirmed');

    const interaction = new URL(step.location!, 'http://x').searchParams.get('interaction')!;
    const next = await browser.get(`/authorize/continue?interaction=${interaction}`);
    expect(next.location).toMatch(/^\/consent\?interaction=/);
  });

  it('the reset form is rate limited per account with the same answer for unknown accounts', async () => {
    const name = `ghost${Date.now()}`;
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push((await requestReset(sut, { username: name })).statusCode);
    expect(answers).toEqual([303, 303, 429]);
  });
});

describe('without SMTP_URL', () => {
  let sut: TestApp;
  const lines: string[] = [];

  before(async () => {
    sut = await startTestApp(
      { LOG_LEVEL: 'info' },
      { logDestination: { write: (line: string) => void lines.push(line) } },
    );
  });
  after(async () => sut?.close());

  it('writes the mail to the log without its link, and the pages say mail is not set up', async () => {
    const user = await createUser(sut);
    await requestReset(sut, { username: user.username });
    const logged = lines.filter((line) => line.includes('Not sent (no SMTP_URL)'));
    expect(logged.some((line) => line.includes('password_reset mail'))).toBe(true);
    const token = (
      await dataSource(sut).query(
        `SELECT count(*)::int AS n FROM "account_links" WHERE "user_id" = $1 AND "purpose" = 'password_reset'`,
        [user.id],
      )
    )[0].n;
    expect(token).toBe(1);
    expect(lines.join('\n')).not.toMatch(/token=[A-Za-z0-9_-]{43}/);
    expect((await sut.request({ method: 'GET', url: '/password/forgot' })).body).toContain(
      'This server is not set up to send mail',
    );
  });
});
