import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { Page } from 'playwright-core';
import {
  check,
  clientToken,
  createService,
  Credentials,
  gateway,
  setClientRoles,
  unique,
} from '../support/access';
import { createUser, TestUser } from '../support/code-flow';
import { WatchedPage } from './support/chromium';
import {
  checkPage,
  ConsoleWorld,
  expectNoTokensStored,
  openSection,
  signInToConsole,
  startConsoleWorld,
} from './support/console';

/** A 400 the test asked for on purpose (a bad field): Chromium logs the answer's status. */
const EXPECTED_400 = /the server responded with a status of 400/;

/** A row of the table named `caption` that holds `text`. */
function row(page: Page, caption: string, text: string | RegExp) {
  return page.getByRole('region', { name: caption }).getByRole('row').filter({ hasText: text });
}

/**
 * Roles, access rules, the "Why?" panel, keys, the audit log and the home page in Chromium,
 * through the real sign-in (docs/console.md): every action goes through the admin API with the
 * person's token.
 */
describe('the console: roles, rules, why?, keys, audit log and home (Chromium)', () => {
  let world: ConsoleWorld;
  let watched: WatchedPage;
  let page: Page;
  let service: Credentials;
  let stranger: TestUser;
  const role = unique('reports-reader');
  const area = `/${unique('reports')}`;

  before(async () => {
    world = await startConsoleWorld();
    watched = await signInToConsole(world);
    page = watched.page;
    service = await createService(world.sut, 'reports:view');
    stranger = await createUser(world.sut);
  });

  after(async () => {
    await world?.close();
  });

  it('creates a role with a permission, shows a bad permission beside the field, and edits it', async () => {
    await openSection(page, 'Roles');
    await page.getByLabel('Role name').fill(role);
    await page.getByLabel('Description').fill('Reads reports');
    await page.getByLabel('Permissions').fill('reports:view\nnot a permission');
    await page.getByRole('button', { name: 'Create role' }).click();
    await expect(page.getByText('each must be resource:action').isVisible()).resolves.toBe(true);
    await expect(page.getByLabel('Permissions').getAttribute('aria-invalid')).resolves.toBe('true');
    await checkPage(page, 'roles');

    await page.getByLabel('Permissions').fill('reports:view');
    await page.getByRole('button', { name: 'Create role' }).click();
    await page.getByRole('heading', { level: 1, name: `Role ${role}` }).waitFor();
    await page
      .getByRole('status')
      .filter({ hasText: `Role ${role} created.` })
      .waitFor();
    await page.getByLabel('Description').fill('Reads every report');
    await page.getByRole('button', { name: 'Save role' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Role ${role} saved.` })
      .waitFor();
    const stored = await world.sut.admin('GET', `/admin/roles/${role}`);
    expect(stored.json()).toMatchObject({
      description: 'Reads every report',
      permissions: ['reports:view'],
    });
    await checkPage(page, 'role-detail');

    const doomed = unique('doomed');
    await world.sut.admin('POST', '/admin/roles', { name: doomed, permissions: ['a:b'] });
    await openSection(page, 'Roles');
    await expect(row(page, 'Roles', role).textContent()).resolves.toContain('reports:view');
    // A role deleted from its page, after the question.
    await page.getByRole('link', { name: doomed, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: `Role ${doomed}` }).waitFor();
    await page.getByRole('button', { name: 'Delete role' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { level: 1, name: 'Roles' }).waitFor();
    await page.getByRole('link', { name: doomed, exact: true }).waitFor({ state: 'detached' });
    expect((await world.sut.admin('GET', `/admin/roles/${doomed}`)).statusCode).toBe(404);

    // The assignment is the users and clients pages' business: here through the admin API.
    await setClientRoles(world.sut, service.client_id, [role]);
    expect(watched.problems.filter((problem) => !EXPECTED_400.test(problem))).toEqual([]);
  });

  it('writes an access rule, shows a bad path beside the field, edits and deletes one', async () => {
    await openSection(page, 'Access rules');
    await page.getByLabel('Path', { exact: true }).fill('no-leading-slash');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.locator('.field-invalid').filter({ hasText: 'Path' }).waitFor();
    await expect(
      page.getByLabel('Path', { exact: true }).getAttribute('aria-invalid'),
    ).resolves.toBe('true');

    await page.getByRole('checkbox', { name: 'GET' }).check();
    await page.getByLabel('Path', { exact: true }).fill(`${area}/**`);
    await page.getByLabel('Permission', { exact: true }).fill('reports:view');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Rule for ${area}/** created.` })
      .waitFor();
    await row(page, 'Access rules', `${area}/**`).filter({ hasText: 'reports:view' }).waitFor();

    // A second rule, edited and then deleted.
    await page.getByLabel('Path', { exact: true }).fill(`${area}/drafts`);
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Rule for ${area}/drafts created.` })
      .waitFor();
    await page.getByRole('button', { name: `Edit rule any ${area}/drafts` }).click();
    await page.getByRole('heading', { name: `Edit the rule for ${area}/drafts` }).waitFor();
    await page.getByLabel('Condition').fill('subject.id ==');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('Unexpected token: EOF (line 1, column 14)').waitFor();
    await page.getByLabel('Condition').fill('');
    await page.getByLabel(/^Anonymous/).check();
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Rule for ${area}/drafts saved.` })
      .waitFor();
    // The anonymous column of the reloaded list.
    await row(page, 'Access rules', `${area}/drafts`)
      .locator('td:nth-child(6)', { hasText: 'yes' })
      .waitFor();
    await checkPage(page, 'rules');

    await page.getByRole('button', { name: `Delete rule any ${area}/drafts` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Rule for ${area}/drafts deleted.` })
      .waitFor();
    await row(page, 'Access rules', `${area}/drafts`).waitFor({ state: 'detached' });
    const rules = (await world.sut.admin('GET', '/admin/access-rules?limit=200')).json<
      { path: string; methods: string[]; permission: string | null }[]
    >();
    expect(rules.filter((rule) => rule.path.startsWith(area))).toEqual([
      expect.objectContaining({ path: `${area}/**`, methods: ['GET'], permission: 'reports:view' }),
    ]);
    expect(watched.problems.filter((problem) => !EXPECTED_400.test(problem))).toEqual([]);
  });

  it('explains an allow and a deny for a subject, and for a pasted token', async () => {
    await openSection(page, 'Why?');
    /** Explains, and waits for the announced decision that `expected` describes. */
    const explain = async (expected: RegExp) => {
      await page.getByRole('button', { name: 'Explain' }).click();
      await page.getByRole('heading', { level: 2, name: 'Decision' }).waitFor();
      await page.getByRole('status').filter({ hasText: expected }).waitFor();
    };

    // By subject: the client holds reports:view through the role.
    await page.getByLabel('Subject type', { exact: true }).selectOption('client');
    await page.getByLabel('Client id', { exact: true }).fill(service.client_id);
    await page.getByRole('radio', { name: /A permission/ }).check();
    await page.getByLabel('Resource', { exact: true }).fill('reports');
    await page.getByLabel('Action', { exact: true }).fill('view');
    await explain(/^Allowed: allowed/);
    await expect(
      row(page, 'Roles that grant the permission', role).textContent(),
    ).resolves.toContain('yes');
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe(
      'why-result-heading',
    );

    // By subject: a user without the role.
    await page.getByLabel('Subject type', { exact: true }).selectOption('user');
    await page.getByLabel('User id, username or email', { exact: true }).fill(stranger.username);
    await explain(/^Denied: permission_denied/);

    // By a pasted token: the client's token through the rule written above.
    const token = await clientToken(world.sut, service, 'reports:view');
    await page.getByRole('radio', { name: 'A pasted access token' }).check();
    await page.getByLabel('Access token', { exact: true }).fill(token);
    await page.getByRole('radio', { name: /A request through the gateway/ }).check();
    await page.getByLabel('Method', { exact: true }).selectOption('GET');
    await page.getByLabel('Path', { exact: true }).fill(`${area}/2026/q4`);
    await explain(/^Allowed: allowed/);
    await expect(
      row(page, 'Rules considered, most specific first', `${area}/**`).textContent(),
    ).resolves.toContain('this rule decides');
    await checkPage(page, 'why');

    await page.getByLabel('Method', { exact: true }).selectOption('DELETE');
    await explain(/^Denied: no_matching_rule/);
    expect(page.url()).not.toContain(token.slice(0, 20));
    await expectNoTokensStored(watched, world.issuer);
    expect(watched.problems.filter((problem) => !EXPECTED_400.test(problem))).toEqual([]);
  });

  it('shows the counts and a denial it did not cause itself on the home page', async () => {
    expect((await check(world.sut, undefined, 'reports', 'view')).json().reason).toBe(
      'token_missing',
    );
    expect(
      (await gateway(world.sut, { method: 'PUT', uri: `${area}/x?secret=1` })).statusCode,
    ).toBe(403);
    await openSection(page, 'Home');
    const overview = (await world.sut.admin('GET', '/admin/overview')).json();
    for (const [label, count] of [
      ['Roles', overview.counts.roles],
      ['Access rules', overview.counts.access_rules],
      ['Clients', overview.counts.clients],
      ['Users', overview.counts.users],
    ]) {
      // waitFor: the overview loads after the heading; a second match would fail (strict).
      await page.getByRole('link', { name: `${count} ${label}`, exact: true }).waitFor();
    }
    await row(page, 'Denials by reason', 'no_matching_rule').waitFor();
    await row(page, 'Denials by reason', 'token_missing').waitFor();
    const latest = row(page, 'Latest denials, newest first', `${area}/x`);
    await expect(latest.textContent()).resolves.toMatch(/no_matching_rule.*gateway.*PUT/);
    await expect(latest.textContent()).resolves.not.toContain('secret=1');
    await checkPage(page, 'home');
    expect(watched.problems.filter((problem) => !EXPECTED_400.test(problem))).toEqual([]);
  });

  it('rotates the signing keys: the new keys appear as next beside the current ones', async () => {
    await openSection(page, 'Keys');
    const states = () => page.locator('.badge').allTextContents();
    // The list loads after the heading.
    await page.waitForFunction("document.querySelectorAll('.badge').length === 3", undefined, {
      timeout: 5000,
    });
    await expect(states()).resolves.toEqual(['current', 'current', 'current']);
    await page.getByRole('button', { name: 'Rotate signing key' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
    await page.getByRole('status').filter({ hasText: 'Rotated: 3 new keys' }).waitFor();
    await page.waitForFunction("document.querySelectorAll('.badge').length === 6", undefined, {
      timeout: 5000,
    });
    await expect(states()).resolves.toEqual([
      'next',
      'current',
      'next',
      'current',
      'next',
      'current',
    ]);
    // Audited as the person who pressed the button, through the console's client.
    const rotations = await world.sut.admin('GET', '/admin/audit-events?type=keys.rotated');
    expect(rotations.json()[0]).toMatchObject({
      actor: { type: 'user' },
      details: expect.objectContaining({ client_id: 'gatehouse-console', immediate: false }),
    });
    await checkPage(page, 'keys');
    expect(watched.problems.filter((problem) => !EXPECTED_400.test(problem))).toEqual([]);
  });

  it('filters the audit log by type prefix and by actor, with problems beside the fields, and pages', async () => {
    // Enough role events for more than one page of 25.
    for (let index = 0; index < 26; index++)
      await world.sut.admin('POST', '/admin/roles', { name: unique('filler'), permissions: [] });
    await openSection(page, 'Audit log');
    await page.getByLabel('Type', { exact: true }).fill('Role');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('must be an event type, or a prefix of one ending in "."').waitFor();
    await expect(
      page.getByLabel('Type', { exact: true }).getAttribute('aria-invalid'),
    ).resolves.toBe('true');

    await page.getByLabel('Type', { exact: true }).fill('role.');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const pager = page.getByRole('navigation', { name: 'Audit log pages' });
    await pager.getByText(/^Showing 1–25 of \d+$/).waitFor();
    // The unfiltered page also shows 25: wait until the filtered answer has replaced it.
    await page.waitForFunction(
      `Array.from(document.querySelectorAll('tbody td:nth-child(2)')).every((cell) => cell.textContent.startsWith('role.'))`,
      undefined,
      { timeout: 5000 },
    );
    const types = await page
      .getByRole('region', { name: 'Audit events, newest first' })
      .locator('tbody td:nth-child(2)')
      .allTextContents();
    expect(types.length).toBe(25);
    expect(types.every((type) => type.startsWith('role.'))).toBe(true);
    await pager.getByRole('button', { name: 'Next page' }).click();
    await pager.getByText(/^Showing 26–/).waitFor();
    await checkPage(page, 'audit');

    // By time: nothing since tomorrow; everything of today until tomorrow.
    const tomorrow = new Date(Date.now() + 86_400_000);
    const local = (date: Date) =>
      `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(
        date.getDate(),
      ).padStart(2, '0')}T${String(date.getHours()).padStart(2, '0')}:00`;
    await page.getByLabel('Since', { exact: true }).fill(local(tomorrow));
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('status').filter({ hasText: 'No event matches.' }).waitFor();
    await page.getByLabel('Since', { exact: true }).fill('');
    await page.getByLabel('Until', { exact: true }).fill(local(tomorrow));
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await pager.getByText(/^Showing 1–25 of \d+$/).waitFor();
    await page.getByLabel('Until', { exact: true }).fill('');

    // By actor: the person who created the role in the console.
    const people = await world.sut.admin(
      'GET',
      `/admin/audit-events?type=role.created&target_id=${role}`,
    );
    const actor = people.json()[0].actor as { type: string; id: string };
    await page.getByLabel('Actor', { exact: true }).fill(actor.id);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const mine = await world.sut.admin(
      'GET',
      `/admin/audit-events?type=role.&actor_id=${encodeURIComponent(actor.id)}`,
    );
    const total = Number(mine.headers['x-total-count']);
    expect(total).toBeGreaterThanOrEqual(3); // created, updated; the doomed role deleted
    expect(total).toBeLessThan(25);
    await pager.getByText(`Showing 1–${total} of ${total}`, { exact: true }).waitFor();
    await expect(
      row(page, 'Audit events, newest first', 'role.created').filter({ hasText: role }).count(),
    ).resolves.toBe(1);
    const actors = await page
      .getByRole('region', { name: 'Audit events, newest first' })
      .locator('tbody td:nth-child(4)')
      .allTextContents();
    expect(actors.every((text) => text.includes(actor.id))).toBe(true);
    expect(actor.type).toBe('user');
    expect(watched.problems.filter((problem) => !EXPECTED_400.test(problem))).toEqual([]);
  });
});
