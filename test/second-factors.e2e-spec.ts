import { expect } from 'expect';
import { decodeJwt } from 'jose';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestBrowser } from './support/browser';
import {
  createClient,
  createUser,
  dataSource,
  exchangeCode,
  hiddenFields,
  pkcePair,
  REDIRECT_URI,
  refresh,
  TestClient,
  TestUser,
  TokenSet,
} from './support/code-flow';
import { TestClock } from './support/clock';
import { auditOf, enrolTotp, signInWithPassword, totpCode } from './support/second-factors';
import { startTestApp, TestApp } from './support/test-app';

const MFA = 'urn:gatehouse:acr:mfa';
const PASSWORD_LEVEL = 'urn:gatehouse:acr:password';
const WRONG_CODE = 'That code is not right, or was already used.';

/** Drives /authorize with a browser up to the redirect back to the client; null if it stops. */
async function authorize(
  browser: TestBrowser,
  client: TestClient,
  params: Record<string, string> = {},
): Promise<{ location: string; verifier: string }> {
  const pkce = pkcePair();
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: REDIRECT_URI,
    scope: 'openid offline_access',
    state: 's',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    ...params,
  });
  const step = await browser.get(`/authorize?${query.toString()}`);
  expect(step.statusCode).toBe(302);
  return { location: step.location!, verifier: pkce.verifier };
}

describe('second factors: TOTP and recovery codes at sign-in (docs/second-factors.md)', () => {
  let sut: TestApp;
  let client: TestClient;
  const clock = new TestClock();

  before(async () => {
    sut = await startTestApp({ LOGIN_MAX_FAILURES_PER_IP: '1000' }, { clock });
    client = await createClient(sut, { always_issue_refresh_token: false });
  });
  after(() => sut.close());

  /** A user with TOTP enrolled, and the clock moved to the next time step. */
  const enrolledUser = async () => {
    const user = await createUser(sut);
    const browser = await signInWithPassword(sut, user);
    const enrolled = await enrolTotp(browser, clock);
    clock.advance(30_000);
    return { user, ...enrolled };
  };

  /** Password, then the second-factor page: the page answering the code. */
  const passwordThenCode = async (browser: TestBrowser, user: TestUser, otp: string) => {
    const page = await browser.get('/login');
    const login = await browser.post('/login', {
      ...hiddenFields(page.body),
      username: user.username,
      password: user.password,
    });
    expect(login.statusCode).toBe(303);
    expect(login.location).toBe('/login/second-factor');
    const step = await browser.get('/login/second-factor');
    expect(step.statusCode).toBe(200);
    expect(step.body).toContain('Enter the 6-digit code from your authenticator app.');
    return browser.post('/login/second-factor', { ...hiddenFields(step.body), otp });
  };

  it('enrolment shows the otpauth URI and an inline SVG QR code, and the confirm answers ten recovery codes', async () => {
    const user = await createUser(sut);
    const browser = await signInWithPassword(sut, user);
    const page = await browser.get('/account/security');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Set up authenticator app');
    const begun = await browser.post('/account/security/totp', hiddenFields(page.body));
    const setup = await browser.get(begun.location!);
    expect(setup.body).toMatch(/<svg [^>]*viewBox/);
    expect(setup.body).toMatch(/href="otpauth:\/\/totp\/[^"]+secret=[A-Z2-7]+/);
    // The seed is stored sealed, never as typed.
    const secret = /<code class="secret">([A-Z2-7]+)<\/code>/.exec(setup.body)![1];
    const rows = await dataSource(sut).query(
      'SELECT sealed_secret FROM totp_authenticators WHERE user_id = $1',
      [user.id],
    );
    expect(rows[0].sealed_secret).not.toContain(secret);
    const wrong = await browser.post('/account/security/totp/confirm', {
      ...hiddenFields(setup.body),
      otp: '000000' === (await totpCode(secret, clock)) ? '111111' : '000000',
    });
    expect(wrong.statusCode).toBe(303);
    expect(wrong.location).toBe('/account/security?error=invalid');
    const confirmed = await browser.post('/account/security/totp/confirm', {
      ...hiddenFields(setup.body),
      otp: await totpCode(secret, clock),
    });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.headers['cache-control']).toBe('no-store');
    expect([
      ...confirmed.body.matchAll(/<li><code>[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}<\/code>/g),
    ]).toHaveLength(10);
    expect(await auditOf(sut, user.id, 'second_factor.enrolled')).toEqual([
      { outcome: 'success', details: { kind: 'totp' } },
    ]);
    const after = await browser.get('/account/security');
    expect(after.body).toContain('10 of 10 unused.');
  });

  it('a correct password alone does not sign in a person with TOTP: a pending sign-in cookie, HttpOnly, and no session', async () => {
    const { user } = await enrolledUser();
    const browser = new TestBrowser(sut);
    const page = await browser.get('/login');
    const login = await browser.post('/login', {
      ...hiddenFields(page.body),
      username: user.username,
      password: user.password,
    });
    expect(login.location).toBe('/login/second-factor');
    const setCookie = ([] as string[]).concat(login.headers['set-cookie'] as string[]);
    expect(setCookie.some((line) => line.startsWith('gatehouse_session='))).toBe(false);
    const pending = setCookie.find((line) => line.startsWith('gatehouse_pending='))!;
    expect(pending.toLowerCase()).toContain('httponly');
    expect((await browser.get('/account')).statusCode).toBe(303);
    const step = await browser.get('/login/second-factor');
    expect(step.statusCode).toBe(200);
    expect(step.body).toContain('name="otp"');
    expect(step.headers['content-security-policy']).toBe(
      "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
  });

  it('password + TOTP gives ID tokens with amr [pwd, otp, mfa] and the MFA acr, kept on refresh', async () => {
    const { user, secret } = await enrolledUser();
    const browser = new TestBrowser(sut);
    const started = await authorize(browser, client);
    expect(started.location).toMatch(/^\/login\?interaction=/);
    const page = await browser.get(started.location);
    const login = await browser.post('/login', {
      ...hiddenFields(page.body),
      username: user.username,
      password: user.password,
    });
    expect(login.location).toBe('/login/second-factor');
    const step = await browser.get('/login/second-factor');
    const verified = await browser.post('/login/second-factor', {
      ...hiddenFields(step.body),
      otp: await totpCode(secret, clock),
    });
    expect(verified.statusCode).toBe(303);
    expect(verified.location).toMatch(/^\/authorize\/continue\?interaction=/);
    let next = await browser.get(verified.location!);
    if (next.location?.startsWith('/consent')) {
      const consent = await browser.get(next.location);
      next = await browser.post('/consent', { ...hiddenFields(consent.body), decision: 'allow' });
    }
    const code = new URL(next.location!).searchParams.get('code')!;
    const tokens = (
      await exchangeCode(sut, client, { code, verifier: started.verifier })
    ).json<TokenSet>();
    const claims = decodeJwt(tokens.id_token!);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe(MFA);
    const refreshed = (await refresh(sut, client, tokens.refresh_token!)).json<TokenSet>();
    expect(decodeJwt(refreshed.id_token!)).toMatchObject({
      amr: ['pwd', 'otp', 'mfa'],
      acr: MFA,
      auth_time: claims.auth_time,
    });
    expect(await auditOf(sut, user.id, 'second_factor.succeeded')).toEqual([
      { outcome: 'success', details: { kind: 'totp' } },
    ]);
  });

  it('a code is accepted once: the same code (same time step) again is refused', async () => {
    const { user, secret } = await enrolledUser();
    const code = await totpCode(secret, clock);
    const first = await passwordThenCode(new TestBrowser(sut), user, code);
    expect(first.location).toBe('/account');
    const replaying = new TestBrowser(sut);
    const second = await passwordThenCode(replaying, user, code);
    expect(second.statusCode).toBe(303);
    expect(second.location).toBe('/login/second-factor?error=invalid');
    expect((await replaying.get(second.location!)).body).toContain(WRONG_CODE);
    expect(await auditOf(sut, user.id, 'second_factor.failed')).toEqual([
      { outcome: 'failure', details: { reason: 'replayed' } },
    ]);
    // An older step than the one used is refused too.
    const older = await passwordThenCode(
      new TestBrowser(sut),
      user,
      await totpCode(secret, clock, -1),
    );
    expect(older.location).toBe('/login/second-factor?error=invalid');
  });

  it('codes one step either side of now are accepted, two steps away are not', async () => {
    const { user, secret } = await enrolledUser();
    const far = await passwordThenCode(
      new TestBrowser(sut),
      user,
      await totpCode(secret, clock, 2),
    );
    expect(far.location).toBe('/login/second-factor?error=invalid');
    const near = await passwordThenCode(
      new TestBrowser(sut),
      user,
      await totpCode(secret, clock, 1),
    );
    expect(near.location).toBe('/account');
  });

  it('wrong codes many times lock the step for the account: even the right code is refused, with the wait shown', async () => {
    const { user, secret } = await enrolledUser();
    const browser = new TestBrowser(sut);
    const right = await totpCode(secret, clock);
    const wrong = right === '123456' ? '654321' : '123456';
    let answer = await passwordThenCode(browser, user, wrong);
    for (let i = 1; i < 5; i++) {
      expect(answer.location).toBe('/login/second-factor?error=invalid');
      const page = await browser.get('/login/second-factor');
      answer = await browser.post('/login/second-factor', {
        ...hiddenFields(page.body),
        otp: wrong,
      });
    }
    const page = await browser.get('/login/second-factor');
    const locked = await browser.post('/login/second-factor', {
      ...hiddenFields(page.body),
      otp: right,
    });
    expect(locked.location).toMatch(/^\/login\/second-factor\?error=throttled&wait=\d+$/);
    const shown = await browser.get(locked.location!);
    expect(shown.body).toContain('Too many wrong codes.');
    const audit = await auditOf(sut, user.id, 'second_factor.failed');
    expect(audit.at(-1)).toEqual({ outcome: 'failure', details: { reason: 'throttled' } });
  });

  it('a recovery code signs in once, is audited with the codes left, and is refused the second time', async () => {
    const { user, recoveryCodes } = await enrolledUser();
    const first = await passwordThenCode(
      new TestBrowser(sut),
      user,
      recoveryCodes[0].toLowerCase(),
    );
    expect(first.location).toBe('/account');
    expect(await auditOf(sut, user.id, 'second_factor.recovery_code_used')).toEqual([
      { outcome: 'success', details: { remaining: 9 } },
    ]);
    const again = await passwordThenCode(new TestBrowser(sut), user, recoveryCodes[0]);
    expect(again.location).toBe('/login/second-factor?error=invalid');
  });

  it('enrolment and removal need a sign-in within five minutes; after that the page asks to sign in again', async () => {
    const user = await createUser(sut);
    const browser = await signInWithPassword(sut, user);
    const page = await browser.get('/account/security');
    clock.advance(301_000);
    const refused = await browser.post('/account/security/totp', hiddenFields(page.body));
    expect(refused.location).toBe('/account/security?error=reauth');
    const stale = await browser.get('/account/security');
    expect(stale.body).toContain('href="/login?then=security"');
    expect(stale.body).not.toContain('Set up authenticator app');
    // Signing in again (prompt=login semantics) opens it up, and leads back to the page.
    const login = await browser.get('/login?then=security');
    const again = await browser.post('/login', {
      ...hiddenFields(login.body),
      username: user.username,
      password: user.password,
    });
    expect(again.location).toBe('/account/security');
    expect((await browser.get('/account/security')).body).toContain('Set up authenticator app');
  });

  it('a session the password alone began (a password change starts one) cannot remove the factor', async () => {
    const { user, secret } = await enrolledUser();
    const browser = new TestBrowser(sut);
    expect((await passwordThenCode(browser, user, await totpCode(secret, clock))).location).toBe(
      '/account',
    );
    const passwordPage = await browser.get('/account/password');
    const changed = await browser.post('/account/password', {
      ...hiddenFields(passwordPage.body),
      current_password: user.password,
      new_password: 'a fresh passphrase nobody guesses 2026',
    });
    expect(changed.location).toBe('/account/password?done=password');
    const page = await browser.get('/account/security');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('href="/login?then=security"');
    expect(page.body).not.toContain('Remove authenticator app');
    // The page offers no form now; a hand-made POST with this browser's CSRF token is refused.
    const csrf = hiddenFields((await browser.get('/account/password')).body);
    const refused = await browser.post('/account/security/totp/remove', csrf);
    expect(refused.location).toBe('/account/security?error=reauth');
    expect(await auditOf(sut, user.id, 'second_factor.removed')).toEqual([]);
  });

  it('removal takes the authenticator and the recovery codes; the next sign-in needs the password only', async () => {
    const { user, secret } = await enrolledUser();
    const browser = new TestBrowser(sut);
    expect((await passwordThenCode(browser, user, await totpCode(secret, clock))).location).toBe(
      '/account',
    );
    const page = await browser.get('/account/security');
    const removed = await browser.post('/account/security/totp/remove', hiddenFields(page.body));
    expect(removed.location).toBe('/account/security?done=removed');
    expect(await auditOf(sut, user.id, 'second_factor.removed')).toEqual([
      { outcome: 'success', details: { kind: 'totp' } },
    ]);
    const fresh = new TestBrowser(sut);
    const login = await fresh.get('/login');
    const signedIn = await fresh.post('/login', {
      ...hiddenFields(login.body),
      username: user.username,
      password: user.password,
    });
    expect(signedIn.location).toBe('/account');
  });

  it('acr_values asking for MFA steps a password-only session up through the second-factor step', async () => {
    const user = await createUser(sut);
    const older = await signInWithPassword(sut, user);
    // The authenticator is added in another browser: the older session stays password-only.
    const other = await signInWithPassword(sut, user);
    const { secret } = await enrolTotp(other, clock);
    clock.advance(30_000);
    const plain = await authorize(older, client);
    if (plain.location.startsWith('/consent')) {
      const consent = await older.get(plain.location);
      await older.post('/consent', { ...hiddenFields(consent.body), decision: 'allow' });
    }
    const stepUp = await authorize(older, client, { acr_values: MFA });
    expect(stepUp.location).toMatch(/^\/login\/second-factor\?interaction=/);
    const page = await older.get(stepUp.location);
    expect(page.statusCode).toBe(200);
    const verified = await older.post('/login/second-factor', {
      ...hiddenFields(page.body),
      otp: await totpCode(secret, clock),
    });
    expect(verified.location).toMatch(/^\/authorize\/continue\?interaction=/);
    const done = await older.get(verified.location!);
    const code = new URL(done.location!).searchParams.get('code')!;
    const tokens = (
      await exchangeCode(sut, client, { code, verifier: stepUp.verifier })
    ).json<TokenSet>();
    expect(decodeJwt(tokens.id_token!)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: MFA });
  });

  it('acr_values that accept the password level, or name unknown levels only, need no step-up', async () => {
    const user = await createUser(sut);
    const browser = await signInWithPassword(sut, user);
    const first = await authorize(browser, client, { acr_values: `${MFA} ${PASSWORD_LEVEL}` });
    expect(first.location).toMatch(/^\/consent\?/);
    const unknown = await authorize(browser, client, { acr_values: 'urn:other:loa:4' });
    expect(unknown.location).toMatch(/^\/consent\?/);
  });

  it('acr_values asking for MFA with prompt=none answers interaction_required', async () => {
    const user = await createUser(sut);
    const browser = await signInWithPassword(sut, user);
    const answer = await authorize(browser, client, { acr_values: MFA, prompt: 'none' });
    const callback = new URL(answer.location);
    expect(callback.searchParams.get('error')).toBe('interaction_required');
  });

  it('max_age and prompt=login send a person with TOTP through password and code again, and auth_time moves', async () => {
    const { user, secret } = await enrolledUser();
    const browser = new TestBrowser(sut);
    expect((await passwordThenCode(browser, user, await totpCode(secret, clock))).location).toBe(
      '/account',
    );
    clock.advance(120_000);
    for (const params of [{ max_age: '60' }, { prompt: 'login' }] as Record<string, string>[]) {
      clock.advance(30_000);
      const started = await authorize(browser, client, params);
      expect(started.location).toMatch(/^\/login\?interaction=/);
      const page = await browser.get(started.location);
      const login = await browser.post('/login', {
        ...hiddenFields(page.body),
        username: user.username,
        password: user.password,
      });
      expect(login.location).toBe('/login/second-factor');
      const step = await browser.get('/login/second-factor');
      const before = Math.floor(clock.now() / 1000);
      const verified = await browser.post('/login/second-factor', {
        ...hiddenFields(step.body),
        otp: await totpCode(secret, clock),
      });
      let next = await browser.get(verified.location!);
      if (next.location?.startsWith('/consent')) {
        const consent = await browser.get(next.location);
        next = await browser.post('/consent', { ...hiddenFields(consent.body), decision: 'allow' });
      }
      const code = new URL(next.location!).searchParams.get('code')!;
      const tokens = (
        await exchangeCode(sut, client, { code, verifier: started.verifier })
      ).json<TokenSet>();
      const claims = decodeJwt(tokens.id_token!);
      expect(claims.auth_time).toBeGreaterThanOrEqual(before - 1);
      expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    }
  });

  it('admin API lists a person’s second factors without secrets and removes them all, audited', async () => {
    const { user } = await enrolledUser();
    const listed = await sut.admin('GET', `/admin/users/${user.id}/second-factors`);
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toEqual([
      {
        kind: 'totp',
        id: expect.any(String),
        label: 'Authenticator app',
        created_at: expect.any(String),
      },
      {
        kind: 'recovery_codes',
        id: user.id,
        label: 'Recovery codes',
        created_at: expect.any(String),
        details: { remaining: 10, total: 10 },
      },
    ]);
    const removed = await sut.admin('DELETE', `/admin/users/${user.id}/second-factors`);
    expect(removed.statusCode).toBe(204);
    expect((await sut.admin('GET', `/admin/users/${user.id}/second-factors`)).json()).toEqual([]);
    expect(await auditOf(sut, user.id, 'second_factor.removed')).toEqual([
      {
        outcome: 'success',
        // Every registered kind reports, passkeys (docs/passkeys.md) included.
        details: { kind: 'all', removed: { totp: 1, recovery_codes: 10, passkey: 0 } },
      },
    ]);
    const unknown = await sut.admin(
      'GET',
      '/admin/users/00000000-0000-4000-8000-000000000000/second-factors',
    );
    expect(unknown.statusCode).toBe(404);
    const anonymous = await sut.request({
      method: 'GET',
      url: `/admin/users/${user.id}/second-factors`,
    });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('second factors: MFA_REQUIRED=all leads a person without one to enrol first', () => {
  let sut: TestApp;
  let client: TestClient;
  const clock = new TestClock();

  before(async () => {
    sut = await startTestApp({ MFA_REQUIRED: 'all' }, { clock });
    client = await createClient(sut);
  });
  after(() => sut.close());

  it('the authorization waits on /account/security, and completes with amr [pwd, otp, mfa] once enrolled', async () => {
    const user = await createUser(sut);
    const browser = new TestBrowser(sut);
    const started = await authorize(browser, client);
    const page = await browser.get(started.location);
    const login = await browser.post('/login', {
      ...hiddenFields(page.body),
      username: user.username,
      password: user.password,
    });
    const next = await browser.get(login.location!);
    expect(next.statusCode).toBe(302);
    expect(next.location).toMatch(/^\/account\/security\?interaction=/);
    const interaction = new URL(next.location!, 'http://x').searchParams.get('interaction')!;
    const security = await browser.get(next.location!);
    expect(security.body).toContain('A second factor is required to continue.');
    const { confirmed } = await enrolTotp(browser, clock, `?interaction=${interaction}`);
    const continueLink = /<a href="(\/authorize\/continue\?interaction=[^"]+)">Continue<\/a>/.exec(
      confirmed.body,
    )![1];
    let done = await browser.get(continueLink.replace(/&amp;/g, '&'));
    if (done.location?.startsWith('/consent')) {
      const consent = await browser.get(done.location);
      done = await browser.post('/consent', { ...hiddenFields(consent.body), decision: 'allow' });
    }
    const code = new URL(done.location!).searchParams.get('code')!;
    const tokens = (
      await exchangeCode(sut, client, { code, verifier: started.verifier })
    ).json<TokenSet>();
    expect(decodeJwt(tokens.id_token!)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: MFA });
  });

  it('without enrolling, the authorization does not complete', async () => {
    const user = await createUser(sut);
    const browser = new TestBrowser(sut);
    const started = await authorize(browser, client);
    const page = await browser.get(started.location);
    const login = await browser.post('/login', {
      ...hiddenFields(page.body),
      username: user.username,
      password: user.password,
    });
    const first = await browser.get(login.location!);
    expect(first.location).toMatch(/^\/account\/security\?interaction=/);
    const again = await browser.get(login.location!);
    expect(again.location).toMatch(/^\/account\/security\?interaction=/);
  });
});

describe('second factors: MFA_REQUIRED_ROLES and MFA_REQUIRED_CLIENTS', () => {
  const embeddedDir = process.env.TEST_DATABASE_URL
    ? undefined
    : mkdtempSync(join(tmpdir(), 'gatehouse-mfa-policy-'));
  let sut: TestApp;
  let covered: TestClient;
  let other: TestClient;

  before(async () => {
    // The client's id is made at registration: a first start registers it, a second start on
    // the same database names it in MFA_REQUIRED_CLIENTS.
    // Embedded PGlite (no TEST_DATABASE_URL) keeps the database under a DATA_DIR of its own.
    const keys = { KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    const env = embeddedDir ? { ...keys, DATA_DIR: embeddedDir } : keys;
    const first = await startTestApp(env, embeddedDir ? { embedded: true } : {});
    covered = await createClient(first);
    await first.app.close();
    sut = await startTestApp(
      { ...env, MFA_REQUIRED_ROLES: 'ops, auditors', MFA_REQUIRED_CLIENTS: covered.client_id },
      embeddedDir ? { embedded: true } : { database: first.database },
    );
    other = await createClient(sut);
    const role = await sut.admin('POST', '/admin/roles', {
      name: 'ops',
      permissions: ['servers:restart'],
    });
    expect(role.statusCode).toBe(201);
  });
  after(async () => {
    await sut.close();
    await sut.database.drop();
    if (embeddedDir) rmSync(embeddedDir, { recursive: true, force: true });
  });

  /** Where a fresh browser of `user` lands after password sign-in for `client`. */
  const landing = async (user: TestUser, client: TestClient) => {
    const browser = new TestBrowser(sut);
    const started = await authorize(browser, client);
    const page = await browser.get(started.location);
    const login = await browser.post('/login', {
      ...hiddenFields(page.body),
      username: user.username,
      password: user.password,
    });
    return (await browser.get(login.location!)).location!;
  };

  it('a holder of a listed role is led to enrol; someone without it goes on to consent', async () => {
    const operator = await createUser(sut);
    const assigned = await sut.admin('PUT', `/admin/users/${operator.id}/roles`, {
      roles: ['ops'],
    });
    expect(assigned.statusCode).toBe(200);
    expect(await landing(operator, other)).toMatch(/^\/account\/security\?interaction=/);
    expect(await landing(await createUser(sut), other)).toMatch(/^\/consent\?interaction=/);
  });

  it('every sign-in to a listed client needs a second factor', async () => {
    const user = await createUser(sut);
    expect(await landing(user, covered)).toMatch(/^\/account\/security\?interaction=/);
    expect(await landing(user, other)).toMatch(/^\/consent\?interaction=/);
  });
});
