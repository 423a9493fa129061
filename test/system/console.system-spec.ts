import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { WatchedPage } from './support/chromium';
import {
  checkPage,
  ConsoleWorld,
  expectNoTokensStored,
  openSection,
  signInToConsole,
  startConsoleWorld,
} from './support/console';

/**
 * The console's shell in headless Chromium (docs/console.md): the sign-in through Gatehouse's
 * own /authorize, where tokens live, refresh-token rotation, a reload, the unknown page, and
 * RP-initiated logout.
 */
describe('the admin console shell in a real browser', () => {
  let world: ConsoleWorld;
  let admin: WatchedPage;

  before(async () => {
    world = await startConsoleWorld();
  });

  after(async () => {
    await world?.close();
  });

  it('signs the first admin person in through the login page and keeps no token in storage or the URL', async () => {
    const tokenRequests: string[] = [];
    admin = await signInToConsole(world);
    admin.page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/token')
        tokenRequests.push(request.postData() ?? '');
    });
    const { page } = admin;
    await expect(page.title()).resolves.toBe('Home · Gatehouse console');
    expect(new URL(page.url()).pathname).toBe('/console/');
    await expect(
      page.getByRole('banner').getByText('Signed in as console-admin').isVisible(),
    ).resolves.toBe(true);
    await expectNoTokensStored(admin, world.issuer);
    await checkPage(page, 'home-shell');
    expect(tokenRequests).toEqual([]);
  });

  it('signs in again on a reload through the Gatehouse session, without a password, back on the same page', async () => {
    const { page } = admin;
    await page.goto(`${world.issuer}/console/keys`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/keys');
    await expect(page.locator('input[name="password"]').count()).resolves.toBe(0);
  });

  it('answers an unknown console page with a page that says so', async () => {
    const { page } = admin;
    await page.goto(`${world.issuer}/console/no-such-page`);
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    await checkPage(page, 'not-found');
  });

  it('signs out through the end-session endpoint, and the next visit asks for the password', async () => {
    const { page } = admin;
    await page.goto(`${world.issuer}/console/`);
    await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/console/signed-out'),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    await page.getByRole('heading', { level: 1, name: 'Signed out' }).waitFor();
    await checkPage(page, 'signed-out');
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/login'),
      page.getByRole('button', { name: 'Sign in again' }).click(),
    ]);
    await expect(page.locator('input[name="password"]').count()).resolves.toBe(1);
    expect(admin.problems).toEqual([]);
  });

  it('rotates the refresh token before the access token expires, and keeps working', async () => {
    // A browser of its own: the page's clock moves ten minutes on, which the other tests' ID
    // token checks must not see.
    const own = await signInToConsole(world);
    const { page } = own;
    const refreshes: { status: number; body: Record<string, unknown> }[] = [];
    await page.route(`${world.issuer}/token`, async (route) => {
      const response = await route.fetch();
      if ((route.request().postData() ?? '').includes('grant_type=refresh_token')) {
        refreshes.push({
          status: response.status(),
          body: (await response.json()) as Record<string, unknown>,
        });
      }
      await route.fulfill({ response });
    });
    await page.clock.install();
    // Ten minutes on in the page: the access token (five minutes) is due, so the next call to
    // the admin API refreshes first.
    await page.clock.fastForward('10:00');
    await openSection(page, 'Clients');
    await page.getByRole('table').waitFor();
    expect(refreshes).toEqual([
      {
        status: 200,
        body: expect.objectContaining({
          token_type: 'Bearer',
          access_token: expect.any(String),
          refresh_token: expect.any(String),
        }) as Record<string, unknown>,
      },
    ]);
    await expect(page.getByRole('alert').count()).resolves.toBe(0);
    await expectNoTokensStored(own, world.issuer);
    expect(own.problems).toEqual([]);
    await own.context.close();
  });
});
