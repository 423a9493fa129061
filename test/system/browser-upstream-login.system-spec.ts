import { expect } from 'expect';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Browser, Page } from 'playwright-core';
import { createClient, createUser, PASSWORD, TestUser } from '../support/code-flow';
import { freePort } from '../support/free-port';
import { startTestApp, TestApp } from '../support/test-app';
import { launchChromium, screenshot, watchedPage } from './support/chromium';

/**
 * Signing in with another OpenID Provider in real headless Chromium: two Gatehouses on real
 * sockets, the upstream on 127.0.0.2 (another host, so the two keep their own cookies), the
 * downstream on 127.0.0.1. Screenshots of the login choices, the upstream's pages, the link page
 * and a refusal; no page may log a console error (a CSP violation shows up as one).
 */
describe('sign in with an upstream provider in a real browser (headless Chromium)', () => {
  let downstream: TestApp;
  let upstream: TestApp;
  let downstreamBase: string;
  let browser: Browser;

  before(async () => {
    const [downPort, upPort] = [await freePort(), await freePort()];
    downstreamBase = `http://127.0.0.1:${downPort}`;
    const upstreamBase = `http://127.0.0.2:${upPort}`;
    upstream = await startTestApp({ ISSUER: upstreamBase });
    await upstream.app.listen(upPort, '127.0.0.2');
    downstream = await startTestApp({ ISSUER: downstreamBase });
    await downstream.app.listen(downPort, '127.0.0.1');
    const client = await createClient(upstream, {
      client_name: 'Downstream Gatehouse',
      redirect_uris: [`${downstreamBase}/login/upstream/corp/callback`],
      grant_types: ['authorization_code'],
      scope: 'openid profile email',
    });
    const created = await downstream.admin('POST', '/admin/identity-providers', {
      alias: 'corp',
      name: 'Corporate SSO',
      issuer: upstreamBase,
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    expect(created.statusCode).toBe(201);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await downstream?.close();
    await upstream?.close();
  });

  /** From the downstream's login page through the upstream's login and consent pages. */
  async function throughUpstream(page: Page, person: TestUser, shots: boolean): Promise<void> {
    await page.goto(`${downstreamBase}/login`);
    await expect(page.title()).resolves.toBe('Sign in · Gatehouse');
    if (shots) await screenshot(page, 'upstream-login-choices');
    await Promise.all([
      page.waitForURL((url) => url.hostname === '127.0.0.2' && url.pathname === '/login'),
      page.getByRole('link', { name: 'Sign in with Corporate SSO' }).click(),
    ]);
    if (shots) await screenshot(page, 'upstream-provider-login');
    await page.fill('input[name="username"]', person.username);
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/consent'),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    await Promise.all([
      page.waitForURL((url) => url.hostname === '127.0.0.1'),
      page.locator('button[name="decision"][value="allow"]').click(),
    ]);
  }

  it('a new person: the login page offers the provider; signing in there creates the account', async () => {
    const watched = await watchedPage(browser);
    const person = await createUser(upstream, { email_verified: true });
    await throughUpstream(watched.page, person, true);
    expect(new URL(watched.page.url()).pathname).toBe('/account');
    await expect(watched.page.locator('p').last().textContent()).resolves.toBe(
      `You are signed in as ${person.username}.`,
    );
    await screenshot(watched.page, 'upstream-signed-in');
    expect(watched.problems).toEqual([]);
    await watched.context.close();
  });

  it('an existing account with the same verified email: the link page, a wrong then the right password', async () => {
    const email = `linked${randomBytes(4).toString('hex')}@example.com`;
    const local = await createUser(downstream, { email, email_verified: true });
    const person = await createUser(upstream, { email, email_verified: true });
    const watched = await watchedPage(browser);
    const { page } = watched;
    await throughUpstream(page, person, false);
    expect(new URL(page.url()).pathname).toBe('/login/link');
    await expect(page.title()).resolves.toBe('Link your account · Gatehouse');
    await screenshot(page, 'upstream-link-account');
    await page.fill('input[name="password"]', 'not the password');
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('error') === 'invalid'),
      page.getByRole('button', { name: 'Link and sign in' }).click(),
    ]);
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'That password is not right.',
    );
    await screenshot(page, 'upstream-link-account-error');
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/account'),
      page.getByRole('button', { name: 'Link and sign in' }).click(),
    ]);
    await expect(page.locator('p').last().textContent()).resolves.toBe(
      `You are signed in as ${local.username}.`,
    );
    expect(watched.problems).toEqual([]);
    await watched.context.close();
  });

  it('a refusal is a page that says what to do', async () => {
    const watched = await watchedPage(browser);
    const response = await watched.page.goto(
      `${downstreamBase}/login/upstream/corp/callback?code=x&state=y`,
    );
    expect(response?.status()).toBe(400);
    await expect(watched.page.getByRole('alert').textContent()).resolves.toBe(
      'This sign-in expired or was already used. Start again from the sign-in page.',
    );
    await screenshot(watched.page, 'upstream-refused');
    await watched.context.close();
  });
});
