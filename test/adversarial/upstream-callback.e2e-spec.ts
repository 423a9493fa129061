import { expect } from 'expect';
import { after, before, beforeEach, describe, it } from 'node:test';
import { TestBrowser } from '../support/browser';
import { dataSource } from '../support/code-flow';
import { FakeUpstream } from '../support/fake-upstream';
import { freePort } from '../support/free-port';
import { startTestApp, TestApp } from '../support/test-app';
import { auditOf, DOWNSTREAM_ISSUER } from '../support/upstream';

/**
 * What an upstream callback must never get past (OIDC Core §3.1.3.7, RFC 9207, RFC 6749
 * §10.12): ID tokens from the wrong issuer, for another audience, with another nonce, signed by
 * an unknown key or expired; an `iss` response parameter that is not the upstream; hostile
 * parameters; an upstream that does not answer. Each gets a page and an audit event, never a
 * session or an account.
 */
describe('adversarial: upstream callbacks', () => {
  let sut: TestApp;
  let fake: FakeUpstream;

  before(async () => {
    fake = await new FakeUpstream().start();
    sut = await startTestApp({ ISSUER: DOWNSTREAM_ISSUER });
    const created = await sut.admin('POST', '/admin/identity-providers', {
      alias: 'fake',
      name: 'Fake',
      issuer: fake.issuer,
      client_id: fake.clientId,
      client_secret: 'fake-secret',
    });
    expect(created.statusCode).toBe(201);
  });
  after(async () => {
    await sut.close();
    await fake.stop();
  });
  beforeEach(() => {
    fake.nextToken = {};
    fake.announcesIss = false;
  });

  const usersCount = async () =>
    (await dataSource(sut).query(`SELECT count(*)::int AS n FROM users`))[0].n as number;

  /** Starts a sign-in; the browser, and the state and nonce the upstream would receive. */
  const start = async (alias = 'fake') => {
    const browser = new TestBrowser(sut);
    const started = await browser.get(`/login/upstream/${alias}`);
    expect(started.statusCode).toBe(302);
    const location = new URL(started.location!);
    fake.nonce = location.searchParams.get('nonce')!;
    return { browser, state: location.searchParams.get('state')! };
  };
  const callback = (browser: TestBrowser, query: Record<string, string>) =>
    browser.get(`/login/upstream/fake/callback?${new URLSearchParams(query).toString()}`);

  it('a valid ID token signs in (the fake upstream works), client authenticated with HTTP Basic', async () => {
    const { browser, state } = await start();
    const answer = await callback(browser, { code: 'c1', state });
    expect({ status: answer.statusCode, location: answer.location }).toEqual({
      status: 303,
      location: '/account',
    });
    const request = fake.tokenRequests.at(-1)!;
    expect(Object.fromEntries(request)).toEqual({
      grant_type: 'authorization_code',
      code: 'c1',
      redirect_uri: `${DOWNSTREAM_ISSUER}/login/upstream/fake/callback`,
      code_verifier: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
  });

  const refusedTokens: Array<[string, FakeUpstream['nextToken']]> = [
    ['from another issuer', { claims: { iss: 'https://evil.example.com' } }],
    ['for another audience', { claims: { aud: 'someone-else' } }],
    ['with another nonce', { claims: { nonce: 'not-the-nonce' } }],
    ['signed by a key the upstream does not publish', { foreignKey: true }],
    ['expired', { claims: { exp: Math.floor(Date.now() / 1000) - 3600 } }],
    ['without a subject', { claims: { sub: undefined } }],
    ['with a subject over 255 characters (OIDC Core §2)', { claims: { sub: 'x'.repeat(256) } }],
    ['with a subject holding control characters', { claims: { sub: 'a\u0000b' } }],
  ];
  for (const [what, token] of refusedTokens) {
    it(`an ID token ${what}: 502 page, no account, audited`, async () => {
      const before = await usersCount();
      const { browser, state } = await start();
      fake.nextToken = token;
      const answer = await callback(browser, { code: 'c2', state });
      expect(answer.statusCode).toBe(502);
      expect(answer.body).toContain('answer could not be verified, so you are not signed in.');
      expect(browser.cookies.has('gatehouse_session')).toBe(false);
      expect(await usersCount()).toBe(before);
      const [failed] = await auditOf(sut, 'upstream.failed');
      expect(failed.details).toMatchObject({ reason: 'invalid_response' });
    });
  }

  it('claims missing from the ID token come from UserInfo (OIDC Core §5.4), for the same sub only', async () => {
    fake.userinfo = {
      sub: 'userinfo-subject',
      email: 'from-userinfo@example.com',
      email_verified: true,
      preferred_username: 'from.userinfo',
    };
    await sut.admin('PATCH', '/admin/identity-providers/fake', { name: 'Fake (userinfo)' });
    try {
      const { browser, state } = await start();
      fake.nextToken = { claims: { sub: 'userinfo-subject' } };
      const answer = await callback(browser, { code: 'u1', state });
      expect(answer.statusCode).toBe(303);
      const [user] = await dataSource(sut).query<Array<Record<string, unknown>>>(
        `SELECT username, email, email_verified FROM users WHERE email = 'from-userinfo@example.com'`,
      );
      expect(user).toEqual({
        username: 'from.userinfo',
        email: 'from-userinfo@example.com',
        email_verified: true,
      });

      // UserInfo about someone else (§5.3.2): refused, nothing created.
      const before = await usersCount();
      const other = await start();
      fake.nextToken = { claims: { sub: 'another-subject' } };
      const refused = await callback(other.browser, { code: 'u2', state: other.state });
      expect(refused.statusCode).toBe(502);
      expect(await usersCount()).toBe(before);
    } finally {
      fake.userinfo = undefined;
      await sut.admin('PATCH', '/admin/identity-providers/fake', { name: 'Fake' });
    }
  });

  it('RFC 9207: an iss response parameter that is not the upstream is refused', async () => {
    const { browser, state } = await start();
    const answer = await callback(browser, { code: 'c3', state, iss: 'https://evil.example.com' });
    expect(answer.statusCode).toBe(502);
    expect(fake.tokenRequests.at(-1)!.get('code')).not.toBe('c3');
  });

  it('RFC 9207: an upstream that announces iss must send it', async () => {
    fake.announcesIss = true;
    // A new configuration is discovered only after a change to the provider.
    await sut.admin('PATCH', '/admin/identity-providers/fake', { name: 'Fake (iss)' });
    const { browser, state } = await start();
    const missing = await callback(browser, { code: 'c4', state });
    expect(missing.statusCode).toBe(502);
    const second = await start();
    const present = await callback(second.browser, {
      code: 'c5',
      state: second.state,
      iss: fake.issuer,
    });
    expect(present.statusCode).toBe(303);
  });

  it('a state from another browser is refused and uses up this one', async () => {
    const mine = await start();
    const theirs = await start();
    const answer = await callback(mine.browser, { code: 'c6', state: theirs.state });
    expect(answer.statusCode).toBe(400);
    expect((await auditOf(sut, 'upstream.failed'))[0].details).toEqual({
      reason: 'state_mismatch',
    });
    expect((await callback(mine.browser, { code: 'c6', state: mine.state })).statusCode).toBe(400);
  });

  const hostile: Array<[string, string]> = [
    ['a repeated state', 'code=a&state=s1&state=s2'],
    ['a huge code', `code=${'a'.repeat(5000)}&state=s`],
    [
      'a control character in error_description',
      'error=access_denied&error_description=a%01b&state=s',
    ],
    ['an array-shaped parameter', 'code[]=a&state=s'],
  ];
  for (const [what, query] of hostile) {
    it(`${what}: a 4xx page before any upstream request`, async () => {
      const { browser } = await start();
      const requests = fake.tokenRequests.length;
      const answer = await browser.get(`/login/upstream/fake/callback?${query}`);
      expect(answer.statusCode).toBeGreaterThanOrEqual(400);
      expect(answer.statusCode).toBeLessThan(500);
      expect(answer.headers['content-type']).toMatch(/^text\/html/);
      expect(fake.tokenRequests.length).toBe(requests);
    });
  }

  it('NUL bytes and invalid UTF-8 in the callback are refused with 400', async () => {
    for (const query of ['code=a%00b&state=s', 'code=%ff%fe&state=s']) {
      const answer = await sut.request({
        method: 'GET',
        url: `/login/upstream/fake/callback?${query}`,
      });
      expect(answer.statusCode).toBe(400);
    }
  });

  it('an upstream that does not answer: 503 page with Retry-After, never 500', async () => {
    const port = await freePort();
    await sut.admin('POST', '/admin/identity-providers', {
      alias: 'down',
      name: 'Down',
      issuer: `http://127.0.0.1:${port}`,
      client_id: 'x',
      client_secret: 'y',
    });
    const answer = await sut.request({ method: 'GET', url: '/login/upstream/down' });
    expect(answer.statusCode).toBe(503);
    expect(answer.headers['retry-after']).toBe('30');
    expect(answer.body).toContain('The provider cannot be reached right now.');
    expect((await auditOf(sut, 'upstream.failed'))[0]).toMatchObject({
      target: { type: 'identity_provider', id: 'down' },
      details: { reason: 'unreachable' },
    });
  });

  it('the link page and form without an offer: 400, nothing linked', async () => {
    const page = await sut.request({ method: 'GET', url: '/login/link' });
    expect(page.statusCode).toBe(400);
    const post = await sut.postForm('/login/link', { password: 'x', csrf_token: 'y' });
    expect(post.statusCode).toBe(400);
    const forged = await sut.request({
      method: 'GET',
      url: '/login/link',
      headers: { cookie: 'gatehouse_upstream_link=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    });
    expect(forged.statusCode).toBe(400);
  });
});
