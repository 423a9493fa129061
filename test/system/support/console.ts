import { expect } from 'expect';
import { Browser, Page } from 'playwright-core';
import { freePort } from '../../support/free-port';
import { startTestApp, TestApp } from '../../support/test-app';
import { launchChromium, screenshot, watchedPage, WatchedPage } from './chromium';

/** The first admin person every console test signs in as (ADMIN_USERNAME, docs/console.md). */
export const CONSOLE_ADMIN = {
  username: 'console-admin',
  password: 'console admin passphrase 1',
};

/** A Gatehouse listening on loopback, with its first admin person, and a Chromium. */
export interface ConsoleWorld {
  sut: TestApp;
  issuer: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function startConsoleWorld(
  settings: Record<string, string> = {},
): Promise<ConsoleWorld> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const sut = await startTestApp({
    ISSUER: issuer,
    ADMIN_USERNAME: CONSOLE_ADMIN.username,
    ADMIN_PASSWORD: CONSOLE_ADMIN.password,
    ...settings,
  });
  await sut.app.listen(port, '127.0.0.1');
  const browser = await launchChromium();
  return {
    sut,
    issuer,
    browser,
    close: async () => {
      await browser.close();
      await sut.close();
    },
  };
}

/**
 * Opens the console and signs in through Gatehouse's own login page, as a person would: the
 * console sends the browser to /authorize, the login page asks for the password, and the code
 * comes back to /console/callback. Resolves on the console's home page.
 */
export async function signInToConsole(
  world: ConsoleWorld,
  person = CONSOLE_ADMIN,
  viewport = { width: 1280, height: 900 },
): Promise<WatchedPage> {
  const watched = await watchedPage(world.browser);
  const { page, context } = watched;
  await page.setViewportSize(viewport);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: world.issuer });
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/login'),
    page.goto(`${world.issuer}/console/`),
  ]);
  await submitLogin(page, person);
  await page.getByRole('heading', { level: 1 }).waitFor();
  return watched;
}

/** Back in the console after the sign-in (past /console/callback). */
function backInConsole(url: URL): boolean {
  return url.pathname.startsWith('/console') && url.pathname !== '/console/callback';
}

/**
 * Fills Gatehouse's login form as `person` and signs in; resolves once the browser is where
 * `arrived` says (by default back in the console).
 */
export async function submitLogin(
  page: Page,
  person: { username: string; password: string },
  arrived: (url: URL) => boolean = backInConsole,
): Promise<void> {
  await page.fill('input[name="username"]', person.username);
  await page.fill('input[name="password"]', person.password);
  await Promise.all([
    page.waitForURL(arrived),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

/** Moves within the console by its navigation, as a keyboard or mouse user would. */
export async function openSection(page: Page, label: string, heading = label): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Console' })
    .getByRole('link', { name: label })
    .click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core on the page as it is now and fails on any serious or critical violation. axe is
 * evaluated over the DevTools protocol, which the page's CSP does not govern, so the page keeps
 * its real policy while it is checked.
 */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const axe = require('axe-core') as { source: string };
  await page.evaluate(axe.source);
  // A string, evaluated in the page (the test build has no DOM types).
  const violations = await page.evaluate<AxeViolation[]>(`axe.run(document).then((result) =>
    result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => ({ target: node.target })),
    })))`);
  const serious = violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  );
  expect({ page: label, violations: serious }).toEqual({ page: label, violations: [] });
}

/**
 * The page at 375 px wide: nothing wider than the screen (no sideways scrolling of the page;
 * tables scroll inside their own region), and a screenshot of it.
 */
export async function expectNarrowUsable(page: Page, name: string): Promise<void> {
  const before = page.viewportSize();
  await page.setViewportSize({ width: 375, height: 800 });
  const overflow = await page.evaluate<number>(
    'document.documentElement.scrollWidth - window.innerWidth',
  );
  expect({ page: name, overflow: Math.max(0, overflow) }).toEqual({ page: name, overflow: 0 });
  await screenshot(page, `console-${name}-375px`);
  if (before) await page.setViewportSize(before);
}

/** A full-page screenshot named `console-<name>` in test/system/screenshots/. */
export function shoot(page: Page, name: string): Promise<string> {
  return screenshot(page, `console-${name}`);
}

/** Axe, the 375 px check and screenshots at both widths: what every console page gets. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await expectAccessible(page, name);
  await shoot(page, name);
  await expectNarrowUsable(page, name);
}

/** Storage the console must leave empty of tokens: localStorage, sessionStorage, cookies it set. */
export async function expectNoTokensStored(watched: WatchedPage, issuer: string): Promise<void> {
  const stored = await watched.page.evaluate(
    '({ local: Object.keys(localStorage), session: Object.keys(sessionStorage) })',
  );
  expect(stored).toEqual({ local: [], session: [] });
  const cookies = await watched.context.cookies(issuer);
  // Only Gatehouse's own browser-session cookies (set by the login pages, HttpOnly).
  for (const cookie of cookies)
    expect({ name: cookie.name, httpOnly: cookie.httpOnly }).toEqual({
      name: cookie.name,
      httpOnly: true,
    });
  expect(watched.page.url()).not.toMatch(/code=|access_token|refresh_token|id_token/);
}

export { launchChromium };
