import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { TestBrowser } from './support/browser';
import {
  createClient,
  createUser,
  dataSource,
  hiddenFields,
  PASSWORD,
  TestUser,
} from './support/code-flow';
import { startTestApp, TestApp } from './support/test-app';
import {
  auditOf,
  callbackPath,
  connect,
  DOWNSTREAM_ISSUER,
  federatedSignIn,
  signInAtUpstream,
  startUpstream,
} from './support/upstream';

/**
 * Signing in with another OpenID Provider, end to end: a second Gatehouse on a real socket is
 * the upstream; the downstream (injected) discovers it, sends the browser there with state,
 * nonce and PKCE, and verifies what comes back through openid-client.
 */
describe('sign in with an upstream OpenID Provider (a second Gatehouse)', () => {
  let upstream: TestApp;
  let upstreamBase: string;
  let downstream: TestApp;

  before(async () => {
    ({ upstream, issuer: upstreamBase } = await startUpstream());
    downstream = await startTestApp({ ISSUER: DOWNSTREAM_ISSUER });
    await connect(downstream, upstream, upstreamBase, 'corp');
  });
  after(async () => {
    await downstream.close();
    await upstream.close();
  });

  const signedInAs = async (browser: TestBrowser): Promise<string> => {
    const account = await browser.get('/account');
    expect(account.statusCode).toBe(200);
    return /You are signed in as ([^.<]+)\./.exec(account.body)![1];
  };
  const usersNamed = async (email: string) =>
    dataSource(downstream).query<
      Array<{ id: string; username: string; email: string; email_verified: boolean }>
    >(`SELECT id, username, email, email_verified FROM users WHERE lower(email) = lower($1)`, [
      email,
    ]);
  const linksOf = async (userId: string) =>
    dataSource(downstream).query<Array<{ issuer: string; subject: string }>>(
      `SELECT issuer, subject FROM upstream_links WHERE user_id = $1`,
      [userId],
    );

  it('the login page offers "Sign in with <name>" for each active provider, keeping the interaction', async () => {
    const page = await downstream.request({
      method: 'GET',
      url: '/login?interaction=abcdefghijklmnopqrstuv',
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('href="/login/upstream/corp?interaction=abcdefghijklmnopqrstuv"');
    expect(page.body).toContain('Sign in with Upstream corp');
  });

  it('starting redirects to the upstream with PKCE S256, state and nonce, and sets a browser-bound cookie', async () => {
    const browser = new TestBrowser(downstream);
    const start = await browser.get('/login/upstream/corp');
    expect(start.statusCode).toBe(302);
    const location = new URL(start.location!);
    expect(location.origin + location.pathname).toBe(`${upstreamBase}/authorize`);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      client_id: expect.any(String),
      redirect_uri: `${DOWNSTREAM_ISSUER}/login/upstream/corp/callback`,
      response_type: 'code',
      scope: 'openid email profile',
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
    });
    const setCookie = [start.headers['set-cookie']].flat().join('\n');
    expect(setCookie).toMatch(
      /gatehouse_upstream=[A-Za-z0-9_-]{43}; Max-Age=600; Path=\/login\/upstream; HttpOnly; SameSite=Lax/,
    );
    // Only a hash of the cookie is stored.
    const cookie = browser.cookies.get('gatehouse_upstream')!;
    const rows = await dataSource(downstream).query(`SELECT id_hash FROM upstream_authorizations`);
    expect(rows.map((row: { id_hash: string }) => row.id_hash)).not.toContain(cookie);
  });

  it('a person without a link gets an account just in time, with the verified email, and signs in', async () => {
    const person = await createUser(upstream, { email_verified: true, name: 'Jit Person' });
    const browser = new TestBrowser(downstream);
    const { answer } = await federatedSignIn(browser, 'corp', upstreamBase, person);
    expect({ status: answer.statusCode, location: answer.location }).toEqual({
      status: 303,
      location: '/account',
    });
    expect(await signedInAs(browser)).toBe(person.username);
    const [local] = await usersNamed(`${person.username}@example.com`);
    expect(local).toEqual({
      id: expect.any(String),
      username: person.username,
      email: `${person.username}@example.com`,
      email_verified: true,
    });
    expect(await linksOf(local.id)).toEqual([{ issuer: upstreamBase, subject: person.id }]);
    // The upstream's RFC 8176 methods (a password there), and fed (decision 0320).
    const sessions = await dataSource(downstream).query<Array<{ amr: string[] }>>(
      `SELECT amr FROM browser_sessions WHERE user_id = $1`,
      [local.id],
    );
    expect(sessions).toEqual([{ amr: ['pwd', 'fed'] }]);
    const [linked] = await auditOf(downstream, 'upstream.linked');
    expect(linked).toMatchObject({
      actor: { type: 'user', id: local.id },
      target: { type: 'user', id: local.id },
      details: { provider: 'corp', issuer: upstreamBase, how: 'new_account' },
    });
    const links = await downstream.admin('GET', `/admin/users/${local.id}/upstream-links`);
    expect(links.json()).toEqual([
      {
        id: expect.any(String),
        alias: 'corp',
        issuer: upstreamBase,
        subject: person.id,
        created_at: expect.any(String),
      },
    ]);
  });

  it('an existing link signs in as the linked user again, creating nothing', async () => {
    const person = await createUser(upstream, { email_verified: true });
    await federatedSignIn(new TestBrowser(downstream), 'corp', upstreamBase, person);
    const before = await dataSource(downstream).query(`SELECT count(*)::int AS n FROM users`);
    const browser = new TestBrowser(downstream);
    const { answer } = await federatedSignIn(browser, 'corp', upstreamBase, person);
    expect(answer.statusCode).toBe(303);
    expect(await signedInAs(browser)).toBe(person.username);
    expect(await dataSource(downstream).query(`SELECT count(*)::int AS n FROM users`)).toEqual(
      before,
    );
  });

  it('an admin removes a link: audited, and the next sign-in must prove the account again', async () => {
    const person = await createUser(upstream, { email_verified: true });
    await federatedSignIn(new TestBrowser(downstream), 'corp', upstreamBase, person);
    const [local] = await usersNamed(`${person.username}@example.com`);
    const [link] = (await downstream.admin('GET', `/admin/users/${local.id}/upstream-links`)).json<
      Array<{ id: string }>
    >();
    const removed = await downstream.admin(
      'DELETE',
      `/admin/users/${local.id}/upstream-links/${link.id}`,
    );
    expect(removed.statusCode).toBe(204);
    expect(await linksOf(local.id)).toEqual([]);
    const [unlinked] = await auditOf(downstream, 'upstream.unlinked');
    expect(unlinked.target).toEqual({ type: 'user', id: local.id });
    const again = await downstream.admin(
      'DELETE',
      `/admin/users/${local.id}/upstream-links/${link.id}`,
    );
    expect(again.statusCode).toBe(404);
    // The account has the verified email: linking it again needs its password.
    const { answer } = await federatedSignIn(
      new TestBrowser(downstream),
      'corp',
      upstreamBase,
      person,
    );
    expect(answer.location).toBe('/login/link');
  });

  it('a taken username gets a unique one; an unverified email is kept unverified', async () => {
    const person = await createUser(upstream, { email_verified: false });
    await createUser(downstream, { username: person.username, email: 'someone-else@example.com' });
    const browser = new TestBrowser(downstream);
    const { answer } = await federatedSignIn(browser, 'corp', upstreamBase, person);
    expect(answer.statusCode).toBe(303);
    const name = await signedInAs(browser);
    expect(name).toMatch(new RegExp(`^${person.username}-[0-9a-f]{6}$`));
    const [local] = await usersNamed(`${person.username}@example.com`);
    expect(local).toMatchObject({ username: name, email_verified: false });
  });

  describe('an existing local account with the same email', () => {
    let local: TestUser;
    let person: TestUser;
    const email = `shared-${Date.now()}@example.com`;

    before(async () => {
      local = await createUser(downstream, { email, email_verified: true });
      person = await createUser(upstream, { email, email_verified: true });
    });

    it('is linked only after its password: a wrong one links nothing, the right one links and signs in', async () => {
      const browser = new TestBrowser(downstream);
      const { answer } = await federatedSignIn(browser, 'corp', upstreamBase, person);
      expect({ status: answer.statusCode, location: answer.location }).toEqual({
        status: 303,
        location: '/login/link',
      });
      // Not signed in yet, and nothing linked.
      expect((await browser.get('/account')).statusCode).toBe(303);
      expect(await linksOf(local.id)).toEqual([]);

      const page = await browser.get('/login/link');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`<strong>${local.username}</strong>`);
      const wrong = await browser.post('/login/link', {
        ...hiddenFields(page.body),
        password: 'not the password at all',
      });
      expect({ status: wrong.statusCode, location: wrong.location }).toEqual({
        status: 303,
        location: '/login/link?error=invalid',
      });
      expect(await linksOf(local.id)).toEqual([]);
      const failed = (await auditOf(downstream, 'upstream.failed'))[0];
      expect(failed.details).toEqual({ reason: 'invalid_password' });

      const again = await browser.get('/login/link?error=invalid');
      expect(again.body).toContain('That password is not right.');
      const right = await browser.post('/login/link', {
        ...hiddenFields(again.body),
        password: PASSWORD,
      });
      expect({ status: right.statusCode, location: right.location }).toEqual({
        status: 303,
        location: '/account',
      });
      expect(await signedInAs(browser)).toBe(local.username);
      expect(await linksOf(local.id)).toEqual([{ issuer: upstreamBase, subject: person.id }]);
      const [linked] = await auditOf(downstream, 'upstream.linked');
      expect(linked.details).toEqual({ provider: 'corp', issuer: upstreamBase, how: 'password' });
      // The offer was single use.
      expect((await browser.get('/login/link')).statusCode).toBe(400);
    });

    it('from then on, the upstream signs in to the linked account directly', async () => {
      const browser = new TestBrowser(downstream);
      const { answer } = await federatedSignIn(browser, 'corp', upstreamBase, person);
      expect(answer.location).toBe('/account');
      expect(await signedInAs(browser)).toBe(local.username);
    });
  });

  it('an email the upstream did not verify never offers a link to the account that has it', async () => {
    const email = `unverified-${Date.now()}@example.com`;
    const owner = await createUser(downstream, { email, email_verified: true });
    const person = await createUser(upstream, { email, email_verified: false });
    const browser = new TestBrowser(downstream);
    const { answer } = await federatedSignIn(browser, 'corp', upstreamBase, person);
    expect(answer.location).toBe('/account');
    // A new account without the email; the owner's account is untouched and unlinked.
    const name = await signedInAs(browser);
    expect(name).not.toBe(owner.username);
    expect((await usersNamed(email)).map((user) => user.id)).toEqual([owner.id]);
    expect(await linksOf(owner.id)).toEqual([]);
  });

  it('continues the pending authorization request after signing in upstream', async () => {
    const client = await createClient(downstream);
    const browser = new TestBrowser(downstream);
    const authorize = await browser.get(
      `/authorize?${new URLSearchParams({ response_type: 'code', client_id: client.client_id, redirect_uri: 'https://app.example.com/cb', scope: 'openid', state: 's1', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString()}`,
    );
    const interaction = new URL(authorize.location!, DOWNSTREAM_ISSUER).searchParams.get(
      'interaction',
    )!;
    const start = await browser.get(`/login/upstream/corp?interaction=${interaction}`);
    const person = await createUser(upstream, { email_verified: true });
    const callback = await signInAtUpstream(upstreamBase, start.location!, person);
    const answer = await browser.get(callbackPath(callback));
    expect(answer.location).toBe(`/authorize/continue?interaction=${interaction}`);
  });

  describe('refusals: a clear page, nothing changed, audited', () => {
    const usersCount = async () =>
      (await dataSource(downstream).query(`SELECT count(*)::int AS n FROM users`))[0].n as number;

    it('the upstream answers access_denied: 400, no account', async () => {
      const before = await usersCount();
      const person = await createUser(upstream, { email_verified: true });
      const { answer, callback } = await federatedSignIn(
        new TestBrowser(downstream),
        'corp',
        upstreamBase,
        person,
        'deny',
      );
      expect(callback.searchParams.get('error')).toBe('access_denied');
      expect(answer.statusCode).toBe(400);
      expect(answer.body).toContain('The provider did not sign you in.');
      expect(await usersCount()).toBe(before);
      const [failed] = await auditOf(downstream, 'upstream.failed');
      expect(failed).toMatchObject({
        outcome: 'failure',
        target: { type: 'identity_provider', id: 'corp' },
        details: { reason: 'provider_error', detail: 'access_denied' },
      });
    });

    it('a tampered state: 400, and the sign-in is used up', async () => {
      const before = await usersCount();
      const person = await createUser(upstream, { email_verified: true });
      const browser = new TestBrowser(downstream);
      const start = await browser.get('/login/upstream/corp');
      const callback = await signInAtUpstream(upstreamBase, start.location!, person);
      const tampered = new URL(callback);
      const state = callback.searchParams.get('state')!;
      // Another first character, whatever the random state began with.
      tampered.searchParams.set('state', (state.startsWith('x') ? 'y' : 'x') + state.slice(1));
      const answer = await browser.get(callbackPath(tampered));
      expect(answer.statusCode).toBe(400);
      expect(answer.body).toContain('This sign-in could not be verified.');
      expect((await auditOf(downstream, 'upstream.failed'))[0].details).toEqual({
        reason: 'state_mismatch',
      });
      // The genuine callback afterwards finds nothing: single use.
      const genuine = await browser.get(callbackPath(callback));
      expect(genuine.statusCode).toBe(400);
      expect(genuine.body).toContain('This sign-in expired or was already used.');
      expect(await usersCount()).toBe(before);
    });

    it('a callback without the browser cookie, or replayed: 400', async () => {
      const person = await createUser(upstream, { email_verified: true });
      const browser = new TestBrowser(downstream);
      const { callback, answer } = await federatedSignIn(browser, 'corp', upstreamBase, person);
      expect(answer.statusCode).toBe(303);
      const replayed = await browser.get(callbackPath(callback));
      expect(replayed.statusCode).toBe(400);
      const elsewhere = await new TestBrowser(downstream).get(callbackPath(callback));
      expect(elsewhere.statusCode).toBe(400);
      expect((await auditOf(downstream, 'upstream.failed'))[0].details).toEqual({
        reason: 'no_pending_sign_in',
      });
    });

    it('a disabled provider is not offered and refuses start and callback with 403', async () => {
      await connect(downstream, upstream, upstreamBase, 'soon-off');
      const browser = new TestBrowser(downstream);
      const start = await browser.get('/login/upstream/soon-off');
      expect(start.statusCode).toBe(302);
      const person = await createUser(upstream, { email_verified: true });
      const callback = await signInAtUpstream(upstreamBase, start.location!, person);
      const patched = await downstream.admin('PATCH', '/admin/identity-providers/soon-off', {
        status: 'disabled',
      });
      expect(patched.statusCode).toBe(200);
      const login = await downstream.request({ method: 'GET', url: '/login' });
      expect(login.body).not.toContain('/login/upstream/soon-off');
      const answer = await browser.get(callbackPath(callback));
      expect(answer.statusCode).toBe(403);
      expect(answer.body).toContain('Signing in with this provider is turned off.');
      expect((await browser.get('/login/upstream/soon-off')).statusCode).toBe(403);
      expect((await auditOf(downstream, 'upstream.failed'))[0].details).toEqual({
        reason: 'provider_disabled',
      });
    });

    it('an unknown alias: 404, the same page for a malformed one', async () => {
      for (const alias of ['nope', 'NOT_AN_ALIAS', 'a'.repeat(100)]) {
        const answer = await downstream.request({ method: 'GET', url: `/login/upstream/${alias}` });
        expect(answer.statusCode).toBe(404);
        expect(answer.body).toContain('There is no such sign-in option.');
      }
    });

    it('a disabled local account that is linked: 403, no session', async () => {
      const person = await createUser(upstream, { email_verified: true });
      await federatedSignIn(new TestBrowser(downstream), 'corp', upstreamBase, person);
      const [local] = await usersNamed(`${person.username}@example.com`);
      await downstream.admin('PATCH', `/admin/users/${local.id}`, { status: 'disabled' });
      const browser = new TestBrowser(downstream);
      const { answer } = await federatedSignIn(browser, 'corp', upstreamBase, person);
      expect(answer.statusCode).toBe(403);
      expect(browser.cookies.has('gatehouse_session')).toBe(false);
    });
  });
});
