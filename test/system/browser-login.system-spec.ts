import { expect } from 'expect';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Browser } from 'playwright-core';
import { basicAuth, startTestApp, TestApp } from '../support/test-app';
import { launchChromium, screenshot, watchedPage, WatchedPage } from './support/chromium';
import { RelyingParty } from './support/relying-party';
import { freePort } from '../support/free-port';

const PASSWORD = 'correct horse battery staple';
const SCOPE = 'openid profile email offline_access';
const SCOPE_TEXTS = [
  'Confirm who you are',
  'See your name',
  'See your email address',
  'Keep access while you are away',
];

interface TokenSet {
  access_token: string;
  id_token: string;
  refresh_token: string;
  scope: string;
}

interface Client {
  client_id: string;
  client_secret?: string;
}

/**
 * The whole flow a person goes through, in real headless Chromium (Debian `chromium`, driven by
 * playwright-core) against a server listening on a real port: sign-up, login with a wrong and
 * then the right password, consent, the redirect back to a relying party, the code exchange,
 * userinfo and refresh. No page may log a console error (a CSP violation shows up as one).
 */
describe('a person in a real browser (headless Chromium) through our pages', () => {
  let sut: TestApp;
  let issuer: string;
  let rp: RelyingParty;
  let browser: Browser;
  let spa: Client;
  let webApp: Client;
  let user: { id: string; username: string };
  /** The browser of the SPA flow, kept signed in for the web app flow. */
  let person: WatchedPage;

  before(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    sut = await startTestApp({ ISSUER: issuer });
    await sut.app.listen(port, '127.0.0.1');
    rp = await RelyingParty.start();
    browser = await launchChromium();

    const username = `alice${randomBytes(4).toString('hex')}`;
    const created = await sut.admin('POST', '/admin/users', {
      username,
      password: PASSWORD,
      email: `${username}@example.com`,
      name: 'Alice Liddell',
    });
    expect(created.statusCode).toBe(201);
    user = { id: created.json().id, username };

    const client = async (metadata: Record<string, unknown>) => {
      const response = await sut.admin('POST', '/admin/clients', {
        redirect_uris: [rp.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        scope: SCOPE,
        ...metadata,
      });
      expect(response.statusCode).toBe(201);
      const { client_id, client_secret } = response.json();
      return { client_id, client_secret } as Client;
    };
    spa = await client({
      client_name: 'Notes (single-page app)',
      client_type: 'public',
      token_endpoint_auth_method: 'none',
    });
    webApp = await client({
      client_name: 'Billing (web app)',
      client_type: 'confidential',
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(spa.client_secret).toBeUndefined();
    expect(webApp.client_secret).toEqual(expect.any(String));
  });

  after(async () => {
    await browser?.close();
    await rp?.close();
    await sut?.close();
  });

  /** RFC 7636 §4.1-§4.2: verifier and S256 challenge; state and nonce for the request. */
  function authorizationRequest(client: Client) {
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');
    const nonce = randomBytes(16).toString('base64url');
    const url = new URL('/authorize', issuer);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: rp.redirectUri,
      scope: SCOPE,
      state,
      nonce,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    return { url: url.toString(), verifier, state, nonce };
  }

  /** The consent page: scopes listed, then Allow lands on the relying party's callback. */
  async function allowOnConsent(watched: WatchedPage, clientName: string, shot?: string) {
    const { page } = watched;
    expect(new URL(page.url()).pathname).toBe('/consent');
    await expect(page.title()).resolves.toBe('Allow access · Gatehouse');
    await expect(page.locator('h1').textContent()).resolves.toBe(`${clientName} wants access`);
    await expect(page.locator('ul.scopes li').allTextContents()).resolves.toEqual(SCOPE_TEXTS);
    await expect(page.getByText(`Signed in as ${user.username}`).isVisible()).resolves.toBe(true);
    if (shot) await screenshot(page, shot);
    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(`${rp.redirectUri}?`)),
      page.locator('button[name="decision"][value="allow"]').click(),
    ]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Callback received');
    return new URL(page.url()).searchParams;
  }

  /** RFC 6749 §4.1.3 over the real socket, as the relying party's back end would. */
  async function exchange(client: Client, code: string, verifier: string) {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
    };
    const form: Record<string, string> = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: rp.redirectUri,
      code_verifier: verifier,
    };
    if (client.client_secret) {
      headers.authorization = basicAuth(client.client_id, client.client_secret);
    } else {
      form.client_id = client.client_id;
    }
    return fetch(`${issuer}/token`, {
      method: 'POST',
      headers,
      body: new URLSearchParams(form),
    });
  }

  async function verifyIdToken(idToken: string, client: Client, nonce: string) {
    const { payload } = await jwtVerify(idToken, createRemoteJWKSet(new URL(`${issuer}/jwks`)), {
      issuer,
      audience: client.client_id,
      algorithms: ['RS256'],
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash'],
    });
    expect(payload).toMatchObject({ sub: user.id, nonce, azp: client.client_id });
  }

  async function accountsNamed(username: string): Promise<Record<string, unknown>[]> {
    const listed = await sut.admin('GET', '/admin/users?limit=200');
    expect(listed.statusCode).toBe(200);
    return listed.json<Record<string, unknown>[]>().filter((u) => u.username === username);
  }

  it('the sign-up page creates an account and signs the person in', async () => {
    const watched = await watchedPage(browser);
    const { page } = watched;
    const username = `newcomer${randomBytes(4).toString('hex')}`;
    await page.goto(`${issuer}/signup`);
    await expect(page.title()).resolves.toBe('Create an account · Gatehouse');
    await screenshot(page, 'signup');

    // A password below the rule: the page says so and nothing is created.
    await page.fill('input[name="username"]', username);
    await page.fill('input[name="email"]', `${username}@example.com`);
    await page.fill('input[name="password"]', 'short');
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/signup' && url.search.includes('error=')),
      page.getByRole('button', { name: 'Create account' }).click(),
    ]);
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'The password does not meet the rule below.',
    );
    await expect(accountsNamed(username)).resolves.toEqual([]);

    await page.fill('input[name="username"]', username);
    await page.fill('input[name="email"]', `${username}@example.com`);
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([
      page.waitForURL(`${issuer}/account`),
      page.getByRole('button', { name: 'Create account' }).click(),
    ]);
    await expect(page.locator('main').textContent()).resolves.toContain(
      `You are signed in as ${username}.`,
    );
    const cookies = await watched.context.cookies(issuer);
    expect(cookies.find((c) => c.name === 'gatehouse_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
    });

    const accounts = await accountsNamed(username);
    expect(accounts).toEqual([
      expect.objectContaining({ username, email: `${username}@example.com` }),
    ]);
    expect(watched.problems).toEqual([]);
    await watched.context.close();
  });

  it('a single-page app (public client, PKCE S256): wrong password, then login, consent, callback, token', async () => {
    person = await watchedPage(browser);
    const { page } = person;
    const request = authorizationRequest(spa);
    await page.goto(request.url);
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.title()).resolves.toBe('Sign in · Gatehouse');
    await screenshot(page, 'login');

    await page.fill('input[name="username"]', user.username);
    await page.fill('input[name="password"]', 'not the password');
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('error') === 'invalid'),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'The username or password is not right.',
    );
    await screenshot(page, 'login-error');

    await page.fill('input[name="username"]', user.username);
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/consent'),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    const callback = await allowOnConsent(person, 'Notes (single-page app)', 'consent');

    // RFC 6749 §4.1.2 and RFC 9207: code, state echoed, iss; the relying party saw the same.
    expect([...callback.keys()].sort()).toEqual(['code', 'iss', 'state']);
    expect(callback.get('state')).toBe(request.state);
    expect(callback.get('iss')).toBe(issuer);
    expect(rp.callbacks.at(-1)?.toString()).toBe(callback.toString());

    const token = await exchange(spa, callback.get('code')!, request.verifier);
    expect(token.status).toBe(200);
    expect(token.headers.get('cache-control')).toBe('no-store');
    const tokens = (await token.json()) as TokenSet;
    expect(tokens).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      scope: SCOPE,
      id_token: expect.any(String),
      refresh_token: expect.any(String),
    });
    await verifyIdToken(tokens.id_token, spa, request.nonce);

    // The code is single use (RFC 6749 §4.1.2).
    const again = await exchange(spa, callback.get('code')!, request.verifier);
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
    expect(person.problems).toEqual([]);
  });

  it('a server-side app (confidential client) rides the same session straight to consent, then userinfo and refresh', async () => {
    const { page } = person;
    const request = authorizationRequest(webApp);
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/consent'),
      page.goto(request.url),
    ]);
    const callback = await allowOnConsent(person, 'Billing (web app)');
    expect(callback.get('state')).toBe(request.state);
    expect(callback.get('iss')).toBe(issuer);

    const token = await exchange(webApp, callback.get('code')!, request.verifier);
    expect(token.status).toBe(200);
    const tokens = (await token.json()) as TokenSet;
    expect(tokens.scope).toBe(SCOPE);
    await verifyIdToken(tokens.id_token, webApp, request.nonce);

    const info = await fetch(`${issuer}/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(info.status).toBe(200);
    expect(await info.json()).toEqual({
      sub: user.id,
      preferred_username: user.username,
      name: 'Alice Liddell',
      updated_at: expect.any(Number),
      email: `${user.username}@example.com`,
      email_verified: false,
    });

    const refreshed = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(webApp.client_id, webApp.client_secret!),
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
      }),
    });
    expect(refreshed.status).toBe(200);
    const rotated = (await refreshed.json()) as TokenSet;
    expect(rotated.refresh_token).toEqual(expect.any(String));
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
    expect(person.problems).toEqual([]);
  });

  it('the consent is remembered: the same app signs in again without any page', async () => {
    const { page } = person;
    const request = authorizationRequest(spa);
    await page.goto(request.url);
    const callback = new URL(page.url());
    expect(`${callback.origin}${callback.pathname}`).toBe(rp.redirectUri);
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('code')).toEqual(expect.any(String));
    expect(person.problems).toEqual([]);
    await person.context.close();
  });
});
