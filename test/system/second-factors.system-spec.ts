import { expect } from 'expect';
import { decodeJwt } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
import { Browser } from 'playwright-core';
import { basicAuth, startTestApp, TestApp } from '../support/test-app';
import { launchChromium, screenshot, watchedPage } from './support/chromium';
import { RelyingParty } from './support/relying-party';
import { freePort } from '../support/free-port';

const PASSWORD = 'correct horse battery staple';

/**
 * Second factors in real headless Chromium (docs/second-factors.md): enrolling an authenticator
 * app on /account/security (QR code, confirm, recovery codes), then signing in to a client with
 * password and a recovery code on /login/second-factor. Every new page is screenshotted; no page
 * may log a console error (a CSP violation shows up as one).
 */
describe('second factors in a real browser (headless Chromium)', () => {
  let sut: TestApp;
  let issuer: string;
  let rp: RelyingParty;
  let browser: Browser;
  let client: { client_id: string; client_secret: string };
  let username: string;
  let recoveryCodes: string[] = [];

  before(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    sut = await startTestApp({ ISSUER: issuer });
    await sut.app.listen(port, '127.0.0.1');
    rp = await RelyingParty.start();
    browser = await launchChromium();
    username = `totp${randomBytes(4).toString('hex')}`;
    const created = await sut.admin('POST', '/admin/users', { username, password: PASSWORD });
    expect(created.statusCode).toBe(201);
    const registered = await sut.admin('POST', '/admin/clients', {
      client_name: 'Billing (web app)',
      client_type: 'confidential',
      redirect_uris: [rp.redirectUri],
      grant_types: ['authorization_code'],
      scope: 'openid profile',
    });
    expect(registered.statusCode).toBe(201);
    client = registered.json();
  });

  after(async () => {
    await browser?.close();
    await rp?.close();
    await sut?.close();
  });

  it('enrols an authenticator app on /account/security: QR code, first code, recovery codes', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${issuer}/login`);
    await page.fill('input[name="username"]', username);
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForURL(`${issuer}/account`), page.click('button[type="submit"]')]);
    await page.goto(`${issuer}/account/security`);
    await expect(page.title()).resolves.toBe('Security · Gatehouse');
    await screenshot(page, 'second-factors-security');

    await Promise.all([
      page.waitForURL(`${issuer}/account/security`),
      page.getByRole('button', { name: 'Set up authenticator app' }).click(),
    ]);
    await expect(page.locator('.qr svg').isVisible()).resolves.toBe(true);
    const box = await page.locator('.qr svg').boundingBox();
    expect(box?.width).toBe(200);
    await screenshot(page, 'second-factors-totp-setup');
    const secret = (await page.locator('code.secret').textContent())!.trim();

    await page.fill('input[name="otp"]', await generate({ secret }));
    await Promise.all([
      page.waitForURL(`${issuer}/account/security/totp/confirm`),
      page.getByRole('button', { name: 'Confirm' }).click(),
    ]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Authenticator app added');
    recoveryCodes = await page.locator('ul.codes code').allTextContents();
    expect(recoveryCodes).toHaveLength(10);
    await screenshot(page, 'second-factors-recovery-codes');

    await page.getByRole('link', { name: 'Continue' }).click();
    await expect(page.getByText('On since').isVisible()).resolves.toBe(true);
    await screenshot(page, 'second-factors-security-on');
    expect(problems).toEqual([]);
  });

  it('signs in to a client with password, then a wrong code, then a recovery code: amr [pwd, otp, mfa]', async () => {
    const { page, problems } = await watchedPage(browser);
    const verifier = randomBytes(32).toString('base64url');
    const url = new URL('/authorize', issuer);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: rp.redirectUri,
      scope: 'openid profile',
      state: 'st',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    await page.goto(url.toString());
    await page.fill('input[name="username"]', username);
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([
      page.waitForURL(`${issuer}/login/second-factor`),
      page.click('button[type="submit"]'),
    ]);
    await expect(page.title()).resolves.toBe('Two-step verification · Gatehouse');
    await screenshot(page, 'second-factors-step');

    await page.fill('input[name="otp"]', '000000');
    await Promise.all([
      page.waitForURL(/\/login\/second-factor\?error=invalid$/),
      page.getByRole('button', { name: 'Verify' }).click(),
    ]);
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'That code is not right, or was already used.',
    );
    await screenshot(page, 'second-factors-step-wrong-code');

    await page.fill('input[name="otp"]', recoveryCodes[0]);
    await Promise.all([
      page.waitForURL((at) => at.pathname === '/consent'),
      page.getByRole('button', { name: 'Verify' }).click(),
    ]);
    await Promise.all([
      page.waitForURL((at) => at.href.startsWith(`${rp.redirectUri}?`)),
      page.locator('button[name="decision"][value="allow"]').click(),
    ]);
    const code = new URL(page.url()).searchParams.get('code')!;
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(client.client_id, client.client_secret),
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: rp.redirectUri,
        code_verifier: verifier,
      }),
    });
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as { id_token: string };
    expect(decodeJwt(tokens.id_token)).toMatchObject({
      amr: ['pwd', 'otp', 'mfa'],
      acr: 'urn:gatehouse:acr:mfa',
    });
    expect(problems).toEqual([]);
  });
});
