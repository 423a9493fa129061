import { expect } from 'expect';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Page } from 'playwright-core';
import { basicAuth } from '../support/test-app';
import {
  checkPage,
  ConsoleWorld,
  expectNoTokensStored,
  openSection,
  signInToConsole,
  startConsoleWorld,
  submitLogin,
} from './support/console';
import { WatchedPage } from './support/chromium';

/** The one console error an expected 400 leaves: Chromium reports the failed fetch. */
const FAILED_400 = /^error: Failed to load resource: the server responded with a status of 400/;

/**
 * The console's clients and users pages in Chromium, signed in through Gatehouse's own login
 * page (docs/console.md): what an administrator does there, checked against the admin API and
 * /token, with axe, screenshots and the 375 px check on every page.
 */
describe('console: clients and users (headless Chromium, real sign-in)', () => {
  let world: ConsoleWorld;
  const tag = randomBytes(3).toString('hex');

  before(async () => {
    world = await startConsoleWorld();
  });
  after(() => world?.close());

  const tokenWith = async (clientId: string, secret: string) =>
    (
      await world.sut.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(clientId, secret) },
      )
    ).statusCode;

  const confirmDialog = async (page: Page, question: string, confirm: string) => {
    const dialog = page.getByRole('dialog', { name: question });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: confirm, exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
  };

  const finish = async (watched: WatchedPage, allowed: RegExp[] = []) => {
    await expectNoTokensStored(watched, world.issuer);
    expect(
      watched.problems.filter((problem) => !allowed.some((pattern) => pattern.test(problem))),
    ).toEqual([]);
    await watched.context.close();
  };

  it('creates a confidential client, copies its secret once, and the secret gets a token', async () => {
    const watched = await signInToConsole(world);
    const { page } = watched;
    await openSection(page, 'Clients');
    await checkPage(page, 'clients');
    await page.getByRole('link', { name: 'New client' }).click();
    await page.getByRole('heading', { level: 1, name: 'New client' }).waitFor();
    await checkPage(page, 'client-new');

    await page.getByLabel('Client name').fill(`Billing ${tag}`);
    await page.getByRole('radio', { name: 'Confidential' }).check();
    await page
      .getByLabel('Redirect URIs', { exact: true })
      .fill('https://billing.example.com/callback');
    await page.getByRole('checkbox', { name: 'client_credentials' }).check();
    await page.getByLabel('Authentication method').selectOption('client_secret_basic');
    await page.getByLabel('Scope', { exact: true }).fill('openid invoices:read');
    await page.getByRole('button', { name: 'Create client' }).click();
    await page.getByRole('heading', { level: 1, name: 'Client created' }).waitFor();

    const shown = await page
      .getByRole('textbox', { name: 'Client secret', exact: true })
      .inputValue();
    expect(shown).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    await page.getByText('this is the only time the secret is shown').waitFor();
    await page.getByRole('button', { name: 'Copy secret' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(shown);
    await checkPage(page, 'client-created');

    const clientId = (await page.locator('.notice-ok code').textContent())!;
    expect(await tokenWith(clientId, shown)).toBe(200);
    const stored = (await world.sut.admin('GET', `/admin/clients/${clientId}`)).json();
    expect(stored).toMatchObject({
      client_name: `Billing ${tag}`,
      client_type: 'confidential',
      redirect_uris: ['https://billing.example.com/callback'],
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid invoices:read',
    });

    // The secret lived only on that page: the client's own page does not have it.
    await page.getByRole('link', { name: 'Open the client' }).click();
    await page.getByRole('heading', { level: 1, name: `Billing ${tag}` }).waitFor();
    expect(await page.content()).not.toContain(shown);
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'New client' }).waitFor();
    expect(await page.content()).not.toContain(shown);
    await finish(watched);
  });

  it('rotates the secret with a grace period: the new one is shown once and both work', async () => {
    const created = (
      await world.sut.admin('POST', '/admin/clients', {
        client_name: `Reports ${tag}`,
        client_type: 'm2m',
      })
    ).json();
    const watched = await signInToConsole(world);
    const { page } = watched;
    await openSection(page, 'Clients');
    await page.getByRole('searchbox', { name: 'Search clients' }).fill(`reports ${tag}`);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('Showing 1–1 of 1').waitFor();
    await page.getByRole('link', { name: `Reports ${tag}` }).click();
    await page.getByRole('heading', { level: 1, name: `Reports ${tag}` }).waitFor();
    await checkPage(page, 'client-detail');

    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const dialog = page.getByRole('dialog', { name: `Rotate the secret of Reports ${tag}?` });
    await dialog.getByLabel('Grace period (seconds)').fill('600');
    await dialog.getByRole('button', { name: 'Rotate', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('the old one keeps working for 600 seconds').waitFor();
    const fresh = await page
      .getByRole('textbox', { name: 'New client secret', exact: true })
      .inputValue();
    expect(fresh).not.toBe(created.client_secret);
    await checkPage(page, 'client-rotated');
    expect(await tokenWith(created.client_id, fresh)).toBe(200);
    expect(await tokenWith(created.client_id, created.client_secret)).toBe(200);

    // Shown once: opening the page again does not show it.
    await openSection(page, 'Clients');
    await page.getByRole('link', { name: `Reports ${tag}` }).click();
    await page.getByRole('heading', { level: 1, name: `Reports ${tag}` }).waitFor();
    expect(await page.content()).not.toContain(fresh);
    await finish(watched);
  });

  it("shows the server's problem with a redirect URI beside the field", async () => {
    const watched = await signInToConsole(world);
    const { page } = watched;
    const body = {
      client_name: `Bad ${tag}`,
      client_type: 'public',
      redirect_uris: ['https://ok.example.com/cb', 'http://app.example.com/cb#fragment'],
    };
    const expected = (await world.sut.admin('POST', '/admin/clients', body)).json();
    expect(expected.details).toEqual([{ field: 'redirect_uris[1]', problem: expect.any(String) }]);

    await page.goto(`${world.issuer}/console/clients/new`);
    await page.getByRole('heading', { level: 1, name: 'New client' }).waitFor();
    await page.getByLabel('Client name').fill(body.client_name);
    await page.getByRole('radio', { name: 'Public' }).check();
    await page.getByLabel('Redirect URIs', { exact: true }).fill(body.redirect_uris.join('\n'));
    await page.getByRole('button', { name: 'Create client' }).click();
    const field = page.getByLabel('Redirect URIs', { exact: true });
    await page.locator('[aria-invalid="true"]').first().waitFor();
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await field.getAttribute('aria-describedby'))!.split(' ');
    const problemId = describedBy.find((id) => id.endsWith('-problem'))!;
    expect(await page.locator(`[id="${problemId}"]`).textContent()).toBe(
      `line 2: ${expected.details[0].problem}`,
    );
    await page.getByRole('alert').getByText('see the problems beside the fields').waitFor();
    await checkPage(page, 'client-new-problem');
    const listed = await world.sut.admin(
      'GET',
      `/admin/clients?q=${encodeURIComponent(`Bad ${tag}`)}`,
    );
    expect(listed.json()).toEqual([]);
    await finish(watched, [FAILED_400]);
    expect(watched.problems.filter((problem) => FAILED_400.test(problem))).toHaveLength(1);
  });

  it('creates a private_key_jwt client from its JWK Set (no secret) and edits it, problems beside the fields', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'key-1', alg: 'ES256', use: 'sig' };
    const watched = await signInToConsole(world);
    const { page } = watched;
    await page.goto(`${world.issuer}/console/clients/new`);
    await page.getByRole('heading', { level: 1, name: 'New client' }).waitFor();
    await page.getByLabel('Client name').fill(`Keyed ${tag}`);
    await page.getByRole('radio', { name: 'Machine to machine' }).check();
    expect(await page.getByLabel('Redirect URIs', { exact: true }).count()).toBe(0);
    await page.getByLabel('Authentication method').selectOption('private_key_jwt');
    await page.getByLabel('Assertion signing algorithm').selectOption('ES256');
    await page.getByLabel('JWK Set (jwks)').fill(JSON.stringify({ keys: [jwk] }));
    await page.getByRole('button', { name: 'Create client' }).click();
    // No secret to show: straight to the client's page.
    await page.getByRole('heading', { level: 1, name: `Keyed ${tag}` }).waitFor();
    expect(await page.getByRole('textbox', { name: /secret/i }).count()).toBe(0);
    const clientId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    expect((await world.sut.admin('GET', `/admin/clients/${clientId}`)).json()).toMatchObject({
      client_type: 'm2m',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [jwk] },
      jwks_uri: null,
    });

    await page.getByRole('button', { name: 'Edit client' }).click();
    await page.getByRole('heading', { level: 2, name: 'Edit client' }).waitFor();
    await page.getByLabel('Scope', { exact: true }).fill('reports:read bad"scope');
    await page.getByLabel('Access token lifetime (seconds)').fill('30');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const scope = page.getByLabel('Scope', { exact: true });
    await page.locator('.field-invalid').first().waitFor();
    expect(await scope.getAttribute('aria-invalid')).toBe('true');
    const lifetime = page.getByLabel('Access token lifetime (seconds)');
    expect(await lifetime.getAttribute('aria-invalid')).toBe('true');
    await checkPage(page, 'client-edit-problem');

    await scope.fill('reports:read');
    await lifetime.fill('600');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Changes saved.').waitFor();
    expect((await world.sut.admin('GET', `/admin/clients/${clientId}`)).json()).toMatchObject({
      scope: 'reports:read',
      access_token_lifetime: 600,
      jwks: { keys: [jwk] },
    });
    await finish(watched, [FAILED_400]);
    expect(watched.problems).toHaveLength(1);
  });

  it('disables, enables and deletes a client, each behind a confirmation', async () => {
    const created = (
      await world.sut.admin('POST', '/admin/clients', {
        client_name: `Doomed ${tag}`,
        client_type: 'm2m',
      })
    ).json();
    const watched = await signInToConsole(world);
    const { page } = watched;
    await page.goto(`${world.issuer}/console/clients/${created.client_id}`);
    await page.getByRole('heading', { level: 1, name: `Doomed ${tag}` }).waitFor();

    await page.getByRole('button', { name: 'Disable client' }).click();
    await confirmDialog(page, `Disable the client Doomed ${tag}?`, 'Disable');
    await page.getByText('The client is disabled.').waitFor();
    expect(
      (await world.sut.admin('GET', `/admin/clients/${created.client_id}`)).json().status,
    ).toBe('disabled');
    expect(await tokenWith(created.client_id, created.client_secret)).toBe(401);

    await openSection(page, 'Clients');
    await page.getByLabel('Status').selectOption('disabled');
    await page.getByRole('link', { name: `Doomed ${tag}` }).waitFor();
    await page.getByRole('link', { name: `Doomed ${tag}` }).click();
    await page.getByRole('heading', { level: 1, name: `Doomed ${tag}` }).waitFor();

    await page.getByRole('button', { name: 'Delete client' }).click();
    await confirmDialog(page, `Delete the client Doomed ${tag}?`, 'Delete');
    await page.getByRole('heading', { level: 1, name: 'Clients' }).waitFor();
    expect((await world.sut.admin('GET', `/admin/clients/${created.client_id}`)).statusCode).toBe(
      404,
    );
    await finish(watched);
  });

  it("shows the server's refusal to change the built-in console client", async () => {
    const watched = await signInToConsole(world);
    const { page } = watched;
    await page.goto(`${world.issuer}/console/clients/gatehouse-console`);
    await page.getByRole('heading', { level: 1, name: 'Gatehouse console' }).waitFor();
    await page.getByRole('button', { name: 'Disable client' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disable the client Gatehouse console?' });
    await dialog.getByRole('button', { name: 'Disable', exact: true }).click();
    await dialog
      .getByRole('alert')
      .getByText('the client gatehouse-console is managed by Gatehouse')
      .waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await world.sut.admin('GET', '/admin/clients/gatehouse-console')).json().status).toBe(
      'active',
    );
    await finish(watched, [/^error: Failed to load resource: .*status of 409/]);
    expect(watched.problems).toHaveLength(1);
  });

  it('creates a user, sets roles, resets the password, signs them out everywhere and disables them', async () => {
    const roleName = `auditor-${tag}`;
    expect(
      (
        await world.sut.admin('POST', '/admin/roles', {
          name: roleName,
          permissions: ['audit:read'],
        })
      ).statusCode,
    ).toBe(201);
    const username = `walker-${tag}`;
    const newPassword = 'a brand new passphrase 42';

    const watched = await signInToConsole(world);
    const { page } = watched;
    await openSection(page, 'Users');
    await checkPage(page, 'users');
    await page.getByRole('link', { name: 'New user' }).click();
    await page.getByRole('heading', { level: 1, name: 'New user' }).waitFor();
    await checkPage(page, 'user-new');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('first passphrase 123');
    await page.getByLabel('Email').fill(`${username}@example.com`);
    await page.getByLabel('Name', { exact: true }).fill('Wanda Walker');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('heading', { level: 1, name: username }).waitFor();
    const userId = new URL(page.url()).pathname.split('/').pop()!;
    await checkPage(page, 'user-detail');

    // Roles: check the one made above, save; the API agrees.
    await page.getByRole('checkbox', { name: roleName }).check();
    await page.getByRole('button', { name: 'Save roles' }).click();
    await page.getByText('Roles saved.').waitFor();
    expect((await world.sut.admin('GET', `/admin/users/${userId}/roles`)).json()).toEqual({
      roles: [roleName],
    });

    // A new password, behind a confirmation.
    await page.getByRole('textbox', { name: 'New password' }).fill(newPassword);
    await page.getByRole('button', { name: 'Set password' }).click();
    await confirmDialog(page, `Set a new password for ${username}?`, 'Set password');
    await page.getByText(`The password of ${username} is set`).waitFor();

    // The person signs in with it in another browser.
    const other = await world.browser.newContext();
    const theirs = await other.newPage();
    await theirs.goto(`${world.issuer}/login`);
    await submitLogin(
      theirs,
      { username, password: newPassword },
      (url) => url.pathname === '/account',
    );
    const sessions = (await world.sut.admin('GET', `/admin/users/${userId}/sessions`)).json();
    expect(sessions).toHaveLength(1);

    // Their session shows on the page; sign them out everywhere.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: username }).waitFor();
    await page.getByRole('region', { name: `Browser sessions of ${username}` }).waitFor();
    await checkPage(page, 'user-detail-session');
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await confirmDialog(page, `Sign ${username} out everywhere?`, 'Sign out everywhere');
    await page.getByText(`${username} is signed out everywhere.`).waitFor();
    await page.getByText('No live browser session.').waitFor();
    expect((await world.sut.admin('GET', `/admin/users/${userId}/sessions`)).json()).toEqual([]);
    await theirs.goto(`${world.issuer}/account`);
    expect(new URL(theirs.url()).pathname).toBe('/login');
    await other.close();
    const events = (
      await world.sut.admin(
        'GET',
        `/admin/audit-events?type=user.signed_out_everywhere&target_id=${userId}`,
      )
    ).json();
    expect(events).toHaveLength(1);
    expect(events[0].actor.type).toBe('user');

    // Disable, behind a confirmation.
    await page.getByRole('button', { name: 'Disable user' }).click();
    await confirmDialog(page, `Disable ${username}?`, 'Disable');
    await page.getByText(`${username} is disabled`).waitFor();
    expect((await world.sut.admin('GET', `/admin/users/${userId}`)).json().status).toBe('disabled');

    // The list finds them by a piece of the name, among the disabled.
    await openSection(page, 'Users');
    await page.getByRole('searchbox', { name: 'Search users' }).fill('WANDA');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByLabel('Status').selectOption('disabled');
    await page.getByText('Showing 1–1 of 1').waitFor();
    await page.getByRole('link', { name: username }).waitFor();
    await finish(watched);
  });

  it('shows "Not an administrator" to a person without the admin role', async () => {
    const username = `visitor-${tag}`;
    const password = 'visitor passphrase 123';
    expect((await world.sut.admin('POST', '/admin/users', { username, password })).statusCode).toBe(
      201,
    );
    const watched = await signInToConsole(world, { username, password });
    await watched.page.getByRole('heading', { level: 1, name: 'Not an administrator' }).waitFor();
    await checkPage(watched.page, 'not-admin-visitor');
    await finish(watched);
  });
});
