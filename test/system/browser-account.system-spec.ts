import { expect } from 'expect';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Browser, Page } from 'playwright-core';
import { PasswordReset } from '../../src/account/password-reset.service';
import { linkIn, MailCatcher } from '../support/mail-catcher';
import { startTestApp, TestApp } from '../support/test-app';
import { launchChromium, screenshot, watchedPage, WatchedPage } from './support/chromium';
import { freePort } from '../support/free-port';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a fresh passphrase for alice';

/**
 * A person in headless Chromium through the pages of docs/account.md: sign-up and the mailed
 * verification link, forgot password and the reset link, and every account page, with a
 * screenshot of each new page. Mail goes to an SMTP server on loopback.
 */
describe('a person in a real browser (headless Chromium) through mail, reset and the account pages', () => {
  let sut: TestApp;
  let mail: MailCatcher;
  let issuer: string;
  let browser: Browser;
  let person: WatchedPage;
  const username = `walker${randomBytes(4).toString('hex')}`;
  const email = `${username}@example.com`;

  before(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    mail = await MailCatcher.start();
    sut = await startTestApp({
      ISSUER: issuer,
      SMTP_URL: mail.url,
      MAIL_FROM: 'Example Login <login@example.com>',
    });
    await sut.app.listen(port, '127.0.0.1');
    browser = await launchChromium();
    person = await watchedPage(browser);
  });

  after(async () => {
    await browser?.close();
    await sut?.close();
    await mail?.close();
  });

  async function clickTo(page: Page, name: string, path: string) {
    await Promise.all([
      page.waitForURL((url) => url.pathname === path),
      page.getByRole('button', { name }).click(),
    ]);
  }

  it('signs up, opens the mailed link and confirms the address', async () => {
    const { page } = person;
    await page.goto(`${issuer}/signup`);
    await page.fill('input[name="username"]', username);
    await page.fill('input[name="email"]', email);
    await page.fill('input[name="password"]', PASSWORD);
    await clickTo(page, 'Create account', '/account');
    await expect(page.locator('main').textContent()).resolves.toContain(
      `You are signed in as ${username}.`,
    );
    await screenshot(page, 'account-profile');

    const { url } = linkIn(await mail.next(email), '/verify-email/confirm');
    expect(url.origin).toBe(issuer);
    await page.goto(url.toString());
    await expect(page.title()).resolves.toBe('Confirm your email · Gatehouse');
    await screenshot(page, 'verify-email-confirm');
    await clickTo(page, 'Confirm my email address', '/verify-email/confirmed');
    await screenshot(page, 'verify-email-confirmed');

    await page.goto(`${issuer}/verify-email`);
    await screenshot(page, 'verify-email-check-mail');
    await page.goto(url.toString());
    await expect(page.getByRole('alert').textContent()).resolves.toContain('already used');
    await screenshot(page, 'link-invalid');
    // The used link's page is a 400 on purpose: the one console error allowed here.
    expect(person.problems.splice(0)).toEqual([
      expect.stringContaining('status of 400 (Bad Request) (http://127.0.0.1:'),
    ]);
  });

  it('walks the account pages: profile, email, password, sessions, apps', async () => {
    const { page } = person;
    await page.goto(`${issuer}/account`);
    await page.fill('input[name="name"]', 'Alice Walker');
    await clickTo(page, 'Save profile', '/account');
    await expect(page.getByRole('status').textContent()).resolves.toBe('Your profile is saved.');

    await page.getByRole('link', { name: 'Email' }).click();
    await page.waitForURL(`${issuer}/account/email`);
    await expect(page.locator('main').textContent()).resolves.toContain(
      `Your address is ${email} (confirmed).`,
    );
    await screenshot(page, 'account-email');

    await page.getByRole('link', { name: 'Password' }).click();
    await page.waitForURL(`${issuer}/account/password`);
    await screenshot(page, 'account-password');

    // A second browser, to sign out from here.
    const other = await watchedPage(browser);
    await other.page.goto(`${issuer}/login`);
    await other.page.fill('input[name="username"]', username);
    await other.page.fill('input[name="password"]', PASSWORD);
    await Promise.all([
      other.page.waitForURL(`${issuer}/account`),
      other.page.getByRole('button', { name: 'Sign in' }).click(),
    ]);

    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.waitForURL(`${issuer}/account/sessions`);
    await expect(page.locator('ul.items li').count()).resolves.toBe(2);
    await screenshot(page, 'account-sessions');
    await clickTo(page, 'Sign out all other sessions', '/account/sessions');
    await expect(page.locator('ul.items li').count()).resolves.toBe(1);
    await other.page.goto(`${issuer}/account`);
    expect(new URL(other.page.url()).pathname).toBe('/login');
    await other.context.close();

    await page.getByRole('link', { name: 'Apps' }).click();
    await page.waitForURL(`${issuer}/account/apps`);
    await screenshot(page, 'account-apps');
    expect(person.problems).toEqual([]);
  });

  it('forgot password: the mailed link sets a new password once and signs out everywhere', async () => {
    const { page } = person;
    await page.goto(`${issuer}/login`);
    await Promise.all([
      page.waitForURL(`${issuer}/password/forgot`),
      page.getByRole('link', { name: 'Forgot password?' }).click(),
    ]);
    await screenshot(page, 'password-forgot');
    const since = mail.mails.length;
    await page.fill('input[name="username"]', email);
    await clickTo(page, 'Send reset link', '/password/forgot/sent');
    await screenshot(page, 'password-forgot-sent');
    await sut.app.get(PasswordReset).settled();

    const { url } = linkIn(await mail.next(email, since), '/password/reset');
    await page.goto(url.toString());
    await screenshot(page, 'password-reset');
    await page.fill('input[name="password"]', 'short');
    await clickTo(page, 'Save new password', '/password/reset');
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'The password does not meet the rule below.',
    );
    await screenshot(page, 'password-reset-error');
    await page.fill('input[name="password"]', NEW_PASSWORD);
    await clickTo(page, 'Save new password', '/password/reset/done');
    await screenshot(page, 'password-reset-done');

    // Signed out here too; the link is used.
    await page.goto(`${issuer}/account`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.goto(url.toString());
    await expect(page.title()).resolves.toBe('Link not valid · Gatehouse');
    expect(person.problems.splice(0)).toEqual([
      expect.stringContaining('status of 400 (Bad Request) (http://127.0.0.1:'),
    ]);

    await page.goto(`${issuer}/login`);
    await page.fill('input[name="username"]', username);
    await page.fill('input[name="password"]', NEW_PASSWORD);
    await Promise.all([
      page.waitForURL(`${issuer}/account`),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    expect(person.problems).toEqual([]);
    await person.context.close();
  });
});
