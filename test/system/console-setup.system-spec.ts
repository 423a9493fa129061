import { expect } from 'expect';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Browser } from 'playwright-core';
import { freePort } from '../support/free-port';
import { createTestDatabase, NEEDS_POSTGRES_SERVER, TestDatabase } from '../support/test-database';
import { launchChromium, watchedPage } from './support/chromium';
import { checkPage, submitLogin } from './support/console';
import { GatehouseProcess, startGatehouse } from './support/gatehouse-process';

const FIRST_ADMIN = { username: 'first-admin', password: 'the first admin passphrase 1' };

/** Polls the process's output for the `Admin setup:` line (printed once, at the first start). */
async function setupLink(sut: GatehouseProcess): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = /Admin setup: (\S+)/.exec(sut.output());
    if (found) return found[1];
    if (Date.now() > deadline) throw new Error(`no "Admin setup:" line in:\n${sut.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The first administrator without ADMIN_USERNAME (docs/console.md): Gatehouse started on an empty
 * database prints a one-time link; the console's setup page creates the person from it, who then
 * signs in; the link does not work twice.
 */
describe('the console setup page: the first administrator from the one-time link', () => {
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  let sut: GatehouseProcess;
  let browser: Browser;
  let issuer: string;
  let link: string;

  before(async () => {
    // A database of its own, empty: PostgreSQL when the suite has one, else embedded.
    let storage: Record<string, string>;
    if (NEEDS_POSTGRES_SERVER) {
      dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-setup-'));
      storage = { DATA_DIR: dataDir };
    } else {
      database = await createTestDatabase();
      storage = { DATABASE_URL: database.url! };
    }
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    sut = await startGatehouse({
      ...storage,
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ISSUER: issuer,
      PORT: String(port),
    });
    link = await setupLink(sut);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await sut?.stop();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints a link to the setup page with the token in the fragment', () => {
    expect(link).toMatch(new RegExp(`^${issuer}/console/setup#token=[A-Za-z0-9_-]{20,}$`));
  });

  it('says a link is needed when the page is opened without one', async () => {
    const watched = await watchedPage(browser);
    const { page } = watched;
    await page.goto(`${issuer}/console/setup`);
    await page.getByRole('heading', { level: 1, name: 'Set up Gatehouse' }).waitFor();
    await page.getByText('This page needs the setup link.').waitFor();
    await checkPage(page, 'setup-without-link');
    expect(watched.problems).toEqual([]);
    await watched.context.close();
  });

  it('creates the first administrator, who signs in; the link cannot be used twice', async () => {
    const watched = await watchedPage(browser);
    const { page } = watched;
    await page.goto(link);
    await page.getByRole('heading', { level: 1, name: 'Set up Gatehouse' }).waitFor();
    // The token leaves the address bar at once.
    expect(new URL(page.url()).hash).toBe('');
    await checkPage(page, 'setup');

    await page.getByLabel('Username').fill(FIRST_ADMIN.username);
    await page.getByLabel('Password').fill(FIRST_ADMIN.password);
    await page.getByLabel('Email (optional)').fill('first-admin@example.com');
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `The administrator ${FIRST_ADMIN.username} is ready.` })
      .waitFor();
    await checkPage(page, 'setup-done');

    await Promise.all([
      page.waitForURL((url) => url.pathname === '/login'),
      page.getByRole('button', { name: 'Sign in to the console' }).click(),
    ]);
    await submitLogin(page, FIRST_ADMIN);
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
    expect(watched.problems).toEqual([]);
    await watched.context.close();

    // The same link again: the page names the token as the problem.
    const again = await watchedPage(browser);
    await again.page.goto(link);
    await again.page.getByLabel('Username').fill('second-admin');
    await again.page.getByLabel('Password').fill('another admin passphrase 2');
    await again.page.getByRole('button', { name: 'Create administrator' }).click();
    await again.page.getByRole('alert').filter({ hasText: 'The setup link:' }).waitFor();
    await again.context.close();

    const token = new URL(link).hash.replace('#token=', '');
    const reused = await sut.request({
      method: 'POST',
      url: '/console/setup',
      headers: { 'content-type': 'application/json' },
      payload: { token, username: 'third-admin', password: 'yet another passphrase 3' },
    });
    expect(reused.statusCode).toBe(400);
    expect(reused.json()).toMatchObject({
      error: 'invalid_request',
      details: [expect.objectContaining({ field: 'token' })],
    });
  });
});
