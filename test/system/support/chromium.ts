import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

/** Debian's `chromium` package; `npx playwright install` is not used (no downloads in CI). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** test/system/screenshots/ in the source tree (the compiled file sits at <out>/test/system/). */
export const SCREENSHOTS = join(__dirname, '..', '..', '..', '..', 'test', 'system', 'screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** A page whose console messages and uncaught errors are kept, to assert there are none. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console messages of type error or warning, and page errors, as text. */
  problems: string[];
}

export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 720 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error' && message.type() !== 'warning') return;
    const source = message.location().url;
    // The browser's own favicon probe is not something a page asked for.
    if (new URL(source || 'about:blank').pathname === '/favicon.ico') return;
    problems.push(`${message.type()}: ${message.text()} (${source || page.url()})`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return { page, context, problems };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  // Named in the test output, so a CI log points at every page's picture.
  process.stdout.write(`# screenshot ${name}: ${path}\n`);
  return path;
}
