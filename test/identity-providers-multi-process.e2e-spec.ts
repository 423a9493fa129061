import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { TestBrowser } from './support/browser';
import { FakeUpstream } from './support/fake-upstream';
import { basicAuth } from './support/test-app';
import { NEEDS_POSTGRES_SERVER } from './support/test-database';
import { twoProcessesOnOneDatabase } from './support/two-processes';
import { DOWNSTREAM_ISSUER } from './support/upstream';

// Two server processes on one PostgreSQL database: needs TEST_DATABASE_URL.
describe(
  'identity providers across processes (docs/identity-providers.md: read per sign-in)',
  { skip: NEEDS_POSTGRES_SERVER },
  () => {
    const apps = twoProcessesOnOneDatabase({ ISSUER: DOWNSTREAM_ISSUER });
    let fake: FakeUpstream;
    before(async () => {
      fake = await new FakeUpstream().start();
    });
    after(() => fake.stop());

    /** Starts in one process's browser; the callback may reach the other process. */
    const start = async (browser: TestBrowser) => {
      const started = await browser.get('/login/upstream/shared');
      expect(started.statusCode).toBe(302);
      const location = new URL(started.location!);
      fake.nonce = location.searchParams.get('nonce')!;
      return location.searchParams.get('state')!;
    };

    it('a provider added, changed or disabled in one process is seen by the other at once', async () => {
      const created = await apps.first.admin('POST', '/admin/identity-providers', {
        alias: 'shared',
        name: 'Shared',
        issuer: fake.issuer,
        client_id: fake.clientId,
        client_secret: 'firstsecret',
      });
      expect(created.statusCode).toBe(201);
      const login = await apps.second.request({ method: 'GET', url: '/login' });
      expect(login.body).toContain('Sign in with Shared');

      // Started in the second process, finished in the first: the pending sign-in is shared.
      const second = new TestBrowser(apps.second);
      const state = await start(second);
      const first = new TestBrowser(apps.first);
      for (const [name, value] of second.cookies) first.cookies.set(name, value);
      const answer = await first.get(`/login/upstream/shared/callback?code=c&state=${state}`);
      expect(answer.statusCode).toBe(303);
      expect(fake.tokenAuthorizations.at(-1)).toBe(basicAuth(fake.clientId, 'firstsecret'));

      // A new secret set through the first process is the one the second sends.
      await apps.first.admin('PATCH', '/admin/identity-providers/shared', {
        client_secret: 'secondsecret',
      });
      const again = new TestBrowser(apps.second);
      const state2 = await start(again);
      await again.get(`/login/upstream/shared/callback?code=c&state=${state2}`);
      expect(fake.tokenAuthorizations.at(-1)).toBe(basicAuth(fake.clientId, 'secondsecret'));

      await apps.first.admin('PATCH', '/admin/identity-providers/shared', { status: 'disabled' });
      const refused = await apps.second.request({ method: 'GET', url: '/login/upstream/shared' });
      expect(refused.statusCode).toBe(403);
    });
  },
);
