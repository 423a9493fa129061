import { expect } from 'expect';
import { Page } from 'playwright-core';
import { after, before, describe, it } from 'node:test';
import { WatchedPage } from './support/chromium';
import { ConsoleWorld, signInToConsole, startConsoleWorld } from './support/console';

/** What has the keyboard focus: its role-ish tag, accessible text and whether it is in <main>. */
function focused(page: Page): Promise<{ tag: string; text: string; inMain: boolean }> {
  return page.evaluate(`(() => {
    const element = document.activeElement;
    return {
      tag: element ? element.tagName.toLowerCase() : '',
      text: element ? (element.getAttribute('aria-label') || element.textContent || '').trim() : '',
      inMain: Boolean(element && element.closest('main')),
    };
  })()`);
}

/**
 * The console with the keyboard alone (docs/console.md, Accessibility): the skip link comes first
 * and leads into the page, the navigation moves focus to the new page's heading, and a
 * confirmation dialog takes the focus, is left with Escape, and gives the focus back.
 */
describe('the admin console with the keyboard alone', () => {
  let world: ConsoleWorld;
  let admin: WatchedPage;

  before(async () => {
    world = await startConsoleWorld();
    admin = await signInToConsole(world);
  });

  after(async () => {
    await world?.close();
  });

  it('offers "Skip to content" first, and it leads past the navigation into the page', async () => {
    const { page } = admin;
    await page.goto(`${world.issuer}/console/keys`);
    await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor();
    await page.keyboard.press('Tab');
    await expect(focused(page)).resolves.toEqual({
      tag: 'a',
      text: 'Skip to content',
      inMain: false,
    });
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await expect(focused(page)).resolves.toEqual(expect.objectContaining({ inMain: true }));
  });

  it('moves the focus to the heading of the page a navigation link opens', async () => {
    const { page } = admin;
    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Audit log' })
      .focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await expect(focused(page)).resolves.toEqual({ tag: 'h1', text: 'Audit log', inMain: true });
  });

  it('opens a confirmation with Enter, keeps the focus in it, and Escape gives it back untouched', async () => {
    const { page } = admin;
    await page.goto(`${world.issuer}/console/keys`);
    const rotate = page.getByRole('button', { name: 'Rotate signing key' });
    await rotate.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Rotate the signing keys?' });
    await dialog.waitFor();
    await expect(
      page.evaluate(`Boolean(document.activeElement && document.activeElement.closest('dialog'))`),
    ).resolves.toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await expect(focused(page)).resolves.toEqual({
      tag: 'button',
      text: 'Rotate signing key',
      inMain: true,
    });
    await expect(page.getByRole('status').filter({ hasText: 'Rotated' }).count()).resolves.toBe(0);
    expect(admin.problems).toEqual([]);
  });
});
