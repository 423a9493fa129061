import { expect } from 'expect';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Browser, CDPSession } from 'playwright-core';
import { startTestApp, TestApp } from '../support/test-app';
import { launchChromium, screenshot, watchedPage, WatchedPage } from './support/chromium';
import { RelyingParty } from './support/relying-party';
import { freePort } from '../support/free-port';

const PASSWORD = 'correct horse battery staple';

/**
 * Passkeys in real headless Chromium with a CDP virtual authenticator (a platform passkey
 * with user verification): enrolment on /account/passkeys, passwordless sign-in through
 * /authorize to a code and an ID token, and "Use a passkey" as the second factor. The issuer
 * is on `localhost`: WebAuthn RP IDs are domains, never IP addresses.
 */
describe('passkeys in a real browser (headless Chromium, virtual authenticator)', () => {
  let sut: TestApp;
  let issuer: string;
  let rp: RelyingParty;
  let browser: Browser;
  let person: WatchedPage;
  let cdp: CDPSession;
  let authenticatorId: string;
  let client: { client_id: string };
  let user: { id: string; username: string };

  before(async () => {
    const port = await freePort();
    issuer = `http://localhost:${port}`;
    sut = await startTestApp({ ISSUER: issuer });
    await sut.app.listen(port, '127.0.0.1');
    rp = await RelyingParty.start();
    browser = await launchChromium();
    const username = `pat${randomBytes(4).toString('hex')}`;
    const created = await sut.admin('POST', '/admin/users', { username, password: PASSWORD });
    expect(created.statusCode).toBe(201);
    user = { id: created.json().id, username };
    const registered = await sut.admin('POST', '/admin/clients', {
      client_name: 'Notes',
      client_type: 'public',
      token_endpoint_auth_method: 'none',
      redirect_uris: [rp.redirectUri],
      grant_types: ['authorization_code'],
      scope: 'openid profile',
    });
    expect(registered.statusCode).toBe(201);
    client = { client_id: registered.json().client_id };

    person = await watchedPage(browser);
    cdp = await person.context.newCDPSession(person.page);
    await cdp.send('WebAuthn.enable');
    const added = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    authenticatorId = added.authenticatorId;
  });

  after(async () => {
    await browser?.close();
    await rp?.close();
    await sut?.close();
  });

  async function signInWithPassword(): Promise<void> {
    const { page } = person;
    await page.goto(`${issuer}/login`);
    await page.fill('input[name="username"]', user.username);
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([
      page.waitForURL((url) => url.pathname !== '/login'),
      page.getByRole('button', { name: 'Sign in', exact: true }).click(),
    ]);
  }

  it('enrols a passkey on /account/passkeys', async () => {
    const { page } = person;
    await signInWithPassword();
    await page.goto(`${issuer}/account/passkeys`);
    await expect(page.title()).resolves.toBe('Passkeys · Gatehouse');
    await page.getByRole('button', { name: 'Add a passkey' }).waitFor();
    await expect(page.getByText('Passkeys need JavaScript').isVisible()).resolves.toBe(false);
    await screenshot(page, 'passkeys-empty');
    await page.fill('input[name="name"]', 'This laptop');
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('notice') === 'added'),
      page.getByRole('button', { name: 'Add a passkey' }).click(),
    ]);
    await expect(page.locator('ul.passkeys strong').allTextContents()).resolves.toEqual([
      'This laptop',
    ]);
    await screenshot(page, 'passkeys-added');
    await page.goto(`${issuer}/account/security`);
    await expect(page.locator('section.passkeys li').allTextContents()).resolves.toEqual([
      'This laptop',
    ]);
    await screenshot(page, 'account-security-passkeys');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0].isResidentCredential).toBe(true);
    expect(Buffer.from(credentials[0].userHandle ?? '', 'base64').toString()).toBe(user.id);
    expect(person.problems).toEqual([]);
  });

  it('signs in with the passkey alone through /authorize: a code, and an ID token with amr hwk, user, mfa', async () => {
    const { page, context } = person;
    await context.clearCookies();
    const verifier = randomBytes(32).toString('base64url');
    const nonce = randomBytes(8).toString('hex');
    const url = new URL('/authorize', issuer);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: rp.redirectUri,
      scope: 'openid profile',
      state: 'passkey-state',
      nonce,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    await page.goto(url.toString());
    expect(new URL(page.url()).pathname).toBe('/login');
    const button = page.getByRole('button', { name: 'Sign in with a passkey' });
    await button.waitFor();
    await screenshot(page, 'login-with-passkey');
    await Promise.all([page.waitForURL((u) => u.pathname === '/consent'), button.click()]);
    await Promise.all([
      page.waitForURL((u) => u.href.startsWith(`${rp.redirectUri}?`)),
      page.locator('button[name="decision"][value="allow"]').click(),
    ]);
    const callback = new URL(page.url()).searchParams;
    expect(callback.get('state')).toBe('passkey-state');
    const token = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: callback.get('code')!,
        redirect_uri: rp.redirectUri,
        code_verifier: verifier,
        client_id: client.client_id,
      }),
    });
    expect(token.status).toBe(200);
    const { id_token } = (await token.json()) as { id_token: string };
    const { payload } = await jwtVerify(id_token, createRemoteJWKSet(new URL(`${issuer}/jwks`)), {
      issuer,
      audience: client.client_id,
    });
    expect(payload).toMatchObject({ sub: user.id, nonce, amr: ['hwk', 'user', 'mfa'] });
    expect(person.problems).toEqual([]);
  });

  it('offers "Use a passkey" as the second factor after the password', async () => {
    const { page, context } = person;
    await context.clearCookies();
    await signInWithPassword();
    expect(new URL(page.url()).pathname).toBe('/login/second-factor');
    const button = page.getByRole('button', { name: 'Use a passkey' });
    await button.waitFor();
    await screenshot(page, 'second-factor-passkey');
    await Promise.all([page.waitForURL(`${issuer}/account`), button.click()]);
    expect(person.problems).toEqual([]);
  });

  it('says passkeys need JavaScript when it is off', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${issuer}/login`);
    await expect(page.getByText('Passkeys need JavaScript').isVisible()).resolves.toBe(true);
    await expect(
      page.getByRole('button', { name: 'Sign in with a passkey' }).isVisible(),
    ).resolves.toBe(false);
    await screenshot(page, 'login-without-javascript');
    await context.close();
  });
});
