import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { BrowserResponse, TestBrowser } from './support/browser';
import {
  authorizeAndGetCode,
  createClient,
  createUser,
  exchangeCode,
  hiddenFields,
  PASSWORD,
  REDIRECT_URI,
  TestClient,
  TestUser,
} from './support/code-flow';
import { passwordRule } from '../src/users/password.policy';
import { formBody, InjectResult, startTestApp, TestApp } from './support/test-app';

const ISSUER = 'http://localhost:3000';
const BYE = 'https://app.example.com/bye';
const INTERACTION = /^[A-Za-z0-9_-]{16,64}$/;
const WRONG_CREDENTIALS = 'The username or password is not right.';
const FORM_EXPIRED = 'The form expired. Please try again.';

type AnyResponse = InjectResult | BrowserResponse;

/** The Set-Cookie line for `name`, split into its value and lower-cased attributes. */
function cookie(response: AnyResponse, name: string): { value: string; attributes: string[] } {
  const header = response.headers['set-cookie'];
  const lines = Array.isArray(header) ? header : header === undefined ? [] : [String(header)];
  const line = lines.find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie in ${JSON.stringify(lines)}`);
  const [pair, ...attributes] = line.split(';').map((part) => part.trim());
  return { value: pair.slice(name.length + 1), attributes: attributes.map((a) => a.toLowerCase()) };
}

function setsCookie(response: AnyResponse, name: string): boolean {
  const header = response.headers['set-cookie'];
  const lines = Array.isArray(header) ? header : header === undefined ? [] : [String(header)];
  return lines.some((line) => line.startsWith(`${name}=`));
}

function corsHeaders(response: AnyResponse): string[] {
  return Object.keys(response.headers).filter((name) => name.startsWith('access-control-'));
}

/** The headers every page carries: no framing, no referrer, no caching, no CORS. */
function expectPageHeaders(response: AnyResponse): void {
  expect(response.headers['x-frame-options']).toBe('DENY');
  const csp = String(response.headers['content-security-policy']);
  expect(csp.split(';').map((d) => d.trim())).toContain("frame-ancestors 'none'");
  expect(response.headers['referrer-policy']).toBe('no-referrer');
  expect(response.headers['cache-control']).toBe('no-store');
  expect(corsHeaders(response)).toEqual([]);
}

/** A page: HTML with the page headers. */
function expectPage(response: AnyResponse, status = 200): void {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  expectPageHeaders(response);
}

/** The browser stays on our origin: a relative path, never scheme- or protocol-relative. */
function expectInternal(location: string | undefined): void {
  expect(location).toMatch(/^\/[^/\\]/);
  expect(new URL(location!, ISSUER).origin).toBe(ISSUER);
}

describe('pages: login, consent, sign-up, logout (issue 3 item 3)', () => {
  let sut: TestApp;
  let alice: TestUser;
  let client: TestClient;

  before(async () => {
    // A high per-IP limit: every test here comes from inject's one address.
    sut = await startTestApp({ LOGIN_MAX_FAILURES_PER_IP: '1000' });
    alice = { ...(await createUser(sut, { username: 'alice' })), username: 'alice' };
    client = await createClient(sut, { post_logout_redirect_uris: [BYE] });
  });
  after(() => sut.close());

  const authorizePath = (extra: Record<string, string> = {}) =>
    `/authorize?${formBody({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile',
      state: 'st',
      ...extra,
    })}`;
  /** Starts an authorization in `browser`; returns the interaction id. */
  const startAuthorization = async (browser: TestBrowser): Promise<string> => {
    const response = await browser.get(authorizePath());
    expect(response.statusCode).toBe(302);
    const match = /^\/login\?interaction=(.+)$/.exec(response.location!);
    expect(match?.[1]).toMatch(INTERACTION);
    return match![1];
  };
  /** Posts the login form found at `path`, with the page's hidden fields unless overridden. */
  const submitLogin = async (
    browser: TestBrowser,
    path: string,
    fields: Record<string, string>,
  ): Promise<BrowserResponse> => {
    const page = await browser.get(path);
    expect(page.statusCode).toBe(200);
    return browser.post('/login', { ...hiddenFields(page.body), ...fields });
  };
  const signedIn = async (user: TestUser = alice): Promise<TestBrowser> => {
    const browser = new TestBrowser(sut);
    const result = await submitLogin(browser, '/login', {
      username: user.username,
      password: user.password,
    });
    expect(result.location).toBe('/account');
    return browser;
  };
  const isSignedIn = async (browser: TestBrowser): Promise<boolean> =>
    (await browser.get('/account')).statusCode === 200;

  describe('headers: no framing, no referrer, no CORS', () => {
    it('sends the page headers on every page, also to a request with an Origin', async () => {
      const browser = new TestBrowser(sut);
      const interaction = await startAuthorization(browser);
      const loggedIn = await signedIn();
      const consentInteraction = /interaction=(.+)$/.exec(
        (await loggedIn.get(authorizePath({ scope: 'openid email' }))).location!,
      )![1];
      const pages: [string, TestBrowser, number][] = [
        ['/login', browser, 200],
        [`/login?interaction=${interaction}`, browser, 200],
        ['/login?error=invalid', browser, 200],
        ['/signup', browser, 200],
        [`/signup?interaction=${interaction}`, browser, 200],
        ['/logout', loggedIn, 200],
        ['/logout/done', browser, 200],
        ['/account', loggedIn, 200],
        [`/consent?interaction=${consentInteraction}`, loggedIn, 200],
        ['/consent?interaction=unknown-interaction-id', loggedIn, 400],
        ['/authorize/continue?interaction=unknown-interaction-id', browser, 400],
        [authorizePath({ client_id: 'nobody' }), browser, 400],
      ];
      for (const [path, who, status] of pages) {
        const response = await sut.request({
          method: 'GET',
          url: path,
          headers: {
            origin: 'https://evil.example',
            cookie: [...who.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          },
        });
        expect({ path, status: response.statusCode }).toEqual({ path, status });
        expectPage(response, status);
      }
    });

    it('sends the page headers on the 303 answers of the forms', async () => {
      const browser = new TestBrowser(sut);
      const wrong = await submitLogin(browser, '/login', { username: 'alice', password: 'nope' });
      expect(wrong.statusCode).toBe(303);
      expectPageHeaders(wrong);
      const good = await submitLogin(browser, '/login', {
        username: 'alice',
        password: PASSWORD,
      });
      expect(good.statusCode).toBe(303);
      expectPageHeaders(good);
    });

    it('answers no CORS preflight on the pages or /authorize', async () => {
      for (const url of ['/login', '/consent', '/signup', '/logout', '/authorize']) {
        const response = await sut.request({
          method: 'OPTIONS',
          url,
          headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
        });
        expect(corsHeaders(response)).toEqual([]);
      }
    });

    it('serves the stylesheet from our origin, with no external resource anywhere', async () => {
      const css = await sut.request({ method: 'GET', url: '/assets/gatehouse.css' });
      expect(css.statusCode).toBe(200);
      expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
      expect(corsHeaders(css)).toEqual([]);
      expect(css.body).not.toMatch(/url\(|@import|https?:/);
      const page = await sut.request({ method: 'GET', url: '/login' });
      expect(page.body).not.toMatch(/(src|href|action)="(https?:)?\/\//);
      // The only scripts are our own files, for passkeys (docs/passkeys.md); never inline.
      const scripts = [...page.body.matchAll(/<script\b[^>]*>/g)].map(([tag]) => tag);
      expect(scripts).toEqual([
        '<script src="/assets/webauthn-browser.js" defer>',
        '<script src="/assets/passkeys.js" defer>',
      ]);
      expect(page.body).not.toMatch(/<script>/);
      expect(String(page.headers['content-security-policy'])).toContain("default-src 'none'");
    });
  });

  describe('the session and CSRF cookies', () => {
    it('sets the session cookie HttpOnly, SameSite=Lax, Path=/, without Secure on an http issuer', async () => {
      const browser = new TestBrowser(sut);
      const page = await browser.get('/login');
      const csrf = cookie(page, 'gatehouse_csrf');
      expect(csrf.attributes).toEqual(
        expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']),
      );
      expect(csrf.attributes).not.toContain('secure');
      const login = await browser.post('/login', {
        ...hiddenFields(page.body),
        username: 'alice',
        password: PASSWORD,
      });
      const session = cookie(login, 'gatehouse_session');
      expect(session.value).toMatch(/^[A-Za-z0-9_-]{43,}$/);
      expect(session.attributes).toEqual(
        expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']),
      );
      expect(session.attributes).not.toContain('secure');
    });

    it('keeps no session for a cookie value the server never issued', async () => {
      const response = await sut.request({
        method: 'GET',
        url: '/account',
        headers: { cookie: `gatehouse_session=${'A'.repeat(43)}` },
      });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe('/login');
    });
  });

  describe('CSRF: a form POST needs the double-submitted token', () => {
    const attempts: [
      string,
      (fields: Record<string, string>, cookies: Map<string, string>) => void,
    ][] = [
      ['without the token field', (fields) => delete fields.csrf_token],
      ['with a wrong token', (fields) => (fields.csrf_token = 'x'.repeat(43))],
      ['with an empty token', (fields) => (fields.csrf_token = '')],
      ['without the CSRF cookie', (_fields, cookies) => cookies.delete('gatehouse_csrf')],
    ];
    for (const [what, tamper] of attempts) {
      it(`does not sign in ${what}: 303 back to the form saying it expired`, async () => {
        const browser = new TestBrowser(sut);
        const page = await browser.get('/login');
        const fields = { ...hiddenFields(page.body), username: 'alice', password: PASSWORD };
        tamper(fields, browser.cookies);
        const response = await browser.post('/login', fields);
        expect(response.statusCode).toBe(303);
        expect(response.location).toBe('/login?error=csrf');
        expect(setsCookie(response, 'gatehouse_session')).toBe(false);
        expect(await isSignedIn(browser)).toBe(false);
        const again = await browser.get(response.location!);
        expect(again.body).toContain(FORM_EXPIRED);
      });
    }

    it('does not take a consent decision without the token', async () => {
      const browser = await signedIn();
      const start = await browser.get(authorizePath({ scope: 'openid email' }));
      expect(start.location).toMatch(/^\/consent\?interaction=/);
      const page = await browser.get(start.location!);
      const fields = hiddenFields(page.body);
      delete fields.csrf_token;
      const response = await browser.post('/consent', { ...fields, decision: 'allow' });
      expect(response.statusCode).toBe(303);
      expect(response.location).toBe(start.location);
      const still = await browser.get(authorizePath({ scope: 'openid email', prompt: 'none' }));
      expect(new URL(still.location!).searchParams.get('error')).toBe('consent_required');
    });

    it('does not create an account without the token', async () => {
      const browser = new TestBrowser(sut);
      const page = await browser.get('/signup');
      const response = await browser.post('/signup', {
        ...hiddenFields(page.body),
        csrf_token: 'forged'.repeat(8),
        username: 'csrf.victim',
        password: PASSWORD,
      });
      expect(response.statusCode).toBe(303);
      expect(response.location).toBe('/signup?error=csrf');
      expect((await sut.admin('GET', '/admin/users?limit=100')).body).not.toContain('csrf.victim');
    });

    it('does not sign out without the token', async () => {
      const browser = await signedIn();
      const page = await browser.get('/logout');
      const response = await browser.post('/logout', {
        ...hiddenFields(page.body),
        csrf_token: 'y'.repeat(43),
      });
      expect(response.statusCode).toBe(303);
      expect(response.location).toBe('/logout');
      expect(await isSignedIn(browser)).toBe(true);
    });
  });

  describe('login', () => {
    it('signs in without a pending authorization and goes to /account', async () => {
      const browser = new TestBrowser(sut);
      const response = await submitLogin(browser, '/login', {
        username: 'ALICE',
        password: PASSWORD,
      });
      expect(response.statusCode).toBe(303);
      expect(response.location).toBe('/account');
      const account = await browser.get('/account');
      expectPage(account);
      expect(account.body).toContain('You are signed in as alice.');
    });

    it('sends /account without a session to the login page', async () => {
      const response = await sut.request({ method: 'GET', url: '/account' });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe('/login');
    });

    it('continues the pending authorization after signing in', async () => {
      const browser = new TestBrowser(sut);
      const interaction = await startAuthorization(browser);
      const response = await submitLogin(browser, `/login?interaction=${interaction}`, {
        username: 'alice',
        password: PASSWORD,
      });
      expect(response.statusCode).toBe(303);
      expect(response.location).toBe(`/authorize/continue?interaction=${interaction}`);
    });

    it('shows the same message for an unknown user and a wrong password', async () => {
      const browser = new TestBrowser(sut);
      const interaction = await startAuthorization(browser);
      const path = `/login?interaction=${interaction}`;
      const wrongPassword = await submitLogin(browser, path, {
        username: 'alice',
        password: 'not the password',
      });
      const unknownUser = await submitLogin(browser, path, {
        username: 'nobody-here',
        password: 'not the password',
      });
      expect(wrongPassword.statusCode).toBe(303);
      expect(unknownUser.statusCode).toBe(303);
      expect(wrongPassword.location).toBe(`/login?interaction=${interaction}&error=invalid`);
      expect(unknownUser.location).toBe(wrongPassword.location);
      const wrongPage = await browser.get(wrongPassword.location!);
      const unknownPage = await browser.get(unknownUser.location!);
      expect(wrongPage.body).toContain(WRONG_CREDENTIALS);
      expect(unknownPage.body).toBe(wrongPage.body);
      expect(await isSignedIn(browser)).toBe(false);
    });

    it('asks for both fields when the username is empty', async () => {
      const browser = new TestBrowser(sut);
      const response = await submitLogin(browser, '/login', { username: '', password: '' });
      expect(response.statusCode).toBe(303);
      expect(response.location).toBe('/login?error=missing');
      expect((await browser.get(response.location!)).body).toContain(
        'Enter your username and password.',
      );
    });

    it('has inputs named username and password and a signup link when sign-up is on', async () => {
      const page = await sut.request({ method: 'GET', url: '/login' });
      expect(page.body).toMatch(/<input\s[^>]*name="username"/);
      expect(page.body).toMatch(/<input\s[^>]*name="password"[^>]*type="password"/);
      expect(page.body).toMatch(/<form method="post" action="\/login">/);
      expect(page.body).toContain('href="/signup"');
    });
  });

  describe('no open redirect: return targets are internal paths', () => {
    const crafted = [
      'https://evil.example/',
      '//evil.example',
      '/\\evil.example',
      'javascript:alert(1)',
      '../../evil',
      'x\r\nLocation: https://evil.example',
      '%2F%2Fevil.example',
    ];
    for (const value of crafted) {
      it(`keeps the browser on our origin for interaction=${JSON.stringify(value)}`, async () => {
        const browser = new TestBrowser(sut);
        const page = await browser.get(`/login?${formBody({ interaction: value })}`);
        expectPage(page);
        const fields = hiddenFields(page.body);
        expect(fields.interaction).toBe(value);
        const failed = await browser.post('/login', {
          ...fields,
          username: 'alice',
          password: 'x',
        });
        expect(failed.statusCode).toBe(303);
        expect(failed.location).toBe(
          `/login?${formBody({ interaction: value, error: 'invalid' })}`,
        );
        expectInternal(failed.location);

        const login = await browser.post('/login', {
          ...fields,
          username: 'alice',
          password: PASSWORD,
        });
        expect(login.statusCode).toBe(303);
        expect(login.location).toBe(`/authorize/continue?${formBody({ interaction: value })}`);
        expectInternal(login.location);
        const next = await browser.get(login.location!);
        expect(next.statusCode).toBe(400);
        expect(next.location).toBeUndefined();

        const signup = await browser.get(`/signup?${formBody({ interaction: value })}`);
        const created = await browser.post('/signup', {
          ...hiddenFields(signup.body),
          username: `redirect${crafted.indexOf(value)}`,
          password: PASSWORD,
        });
        expect(created.statusCode).toBe(303);
        expect(created.location).toBe(`/authorize/continue?${formBody({ interaction: value })}`);
        expectInternal(created.location);
      });
    }

    it('ignores return parameters a page does not know, going to /account', async () => {
      const browser = new TestBrowser(sut);
      const response = await submitLogin(browser, '/login?next=https://evil.example', {
        username: 'alice',
        password: PASSWORD,
        next: 'https://evil.example',
        return_to: 'https://evil.example',
        redirect_uri: 'https://evil.example',
      });
      expect(response.statusCode).toBe(303);
      expect(response.location).toBe('/account');
    });

    it('escapes a crafted interaction in the login page', async () => {
      const page = await sut.request({
        method: 'GET',
        url: `/login?${formBody({ interaction: '"><script>alert(1)</script>' })}`,
      });
      expect(page.body).not.toContain('<script>');
      expect(page.body).toContain('&quot;&gt;&lt;script&gt;');
    });

    it('sends the consent page of a browser without a session to the login page, internally', async () => {
      const browser = new TestBrowser(sut);
      const interaction = await startAuthorization(browser);
      const response = await browser.get(`/consent?interaction=${interaction}`);
      expect(response.statusCode).toBe(303);
      expect(response.location).toBe(`/login?interaction=${interaction}`);
    });
  });

  describe('the sign-up page', () => {
    it('has inputs named username, password and email, and states the password rule', async () => {
      const page = await sut.request({ method: 'GET', url: '/signup' });
      expectPage(page);
      expect(page.body).toMatch(/<form method="post" action="\/signup">/);
      for (const name of ['username', 'password', 'email']) {
        expect(page.body).toMatch(new RegExp(`<input\\s[^>]*name="${name}"`));
      }
      expect(page.body).toContain(passwordRule(8));
      expect(Object.keys(hiddenFields(page.body))).toEqual(['csrf_token']);
    });

    it('creates the account and signs it in: 303 to /account', async () => {
      const browser = new TestBrowser(sut);
      const page = await browser.get('/signup');
      const response = await browser.post('/signup', {
        ...hiddenFields(page.body),
        username: 'newcomer',
        password: PASSWORD,
        email: 'newcomer@example.com',
      });
      expect(response.statusCode).toBe(303);
      expect(response.location).toBe('/account');
      expectPageHeaders(response);
      expect(cookie(response, 'gatehouse_session').attributes).toContain('httponly');
      expect((await browser.get('/account')).body).toContain('You are signed in as newcomer.');
      const users = (await sut.admin('GET', '/admin/users?limit=100')).json();
      expect(users.find((u: any) => u.username === 'newcomer')).toMatchObject({
        email: 'newcomer@example.com',
        email_verified: false,
        status: 'active',
      });
    });

    it('continues a pending authorization from the login page link to the code', async () => {
      const browser = new TestBrowser(sut);
      const interaction = await startAuthorization(browser);
      const login = await browser.get(`/login?interaction=${interaction}`);
      expect(login.body).toContain(`href="/signup?interaction=${interaction}"`);
      const page = await browser.get(`/signup?interaction=${interaction}`);
      expect(hiddenFields(page.body).interaction).toBe(interaction);
      const created = await browser.post('/signup', {
        ...hiddenFields(page.body),
        username: 'joiner',
        password: PASSWORD,
        email: '',
      });
      expect(created.statusCode).toBe(303);
      expect(created.location).toBe(`/authorize/continue?interaction=${interaction}`);
      const next = await browser.get(created.location!);
      expect(next.location).toBe(`/consent?interaction=${interaction}`);
      const consent = await browser.get(next.location!);
      const done = await browser.post('/consent', {
        ...hiddenFields(consent.body),
        decision: 'allow',
      });
      expect(done.statusCode).toBe(303);
      const callback = new URL(done.location!);
      expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
      expect(Object.fromEntries(callback.searchParams)).toEqual({
        code: expect.any(String),
        state: 'st',
        iss: ISSUER,
      });
    });

    const problems: [string, Record<string, string>, string, string][] = [
      [
        'a username taken in another letter case',
        { username: 'ALICE' },
        'taken',
        'That username is taken. Choose another.',
      ],
      [
        'a short password',
        { password: 'short' },
        'password',
        'The password does not meet the rule below.',
      ],
      [
        'a password over 72 bytes',
        { password: 'é'.repeat(37) },
        'password',
        'The password does not meet the rule below.',
      ],
      [
        'a bad username',
        { username: 'no spaces' },
        'username',
        'Choose a username of 3 to 64 letters, digits or . _ @ + -',
      ],
      [
        'a bad email',
        { email: 'not-an-email' },
        'email',
        'Enter a valid email address, or leave it empty.',
      ],
    ];
    for (const [what, override, code, message] of problems) {
      it(`sends ${what} back to the form by 303 with a clear message, keeping the interaction`, async () => {
        const browser = new TestBrowser(sut);
        const interaction = await startAuthorization(browser);
        const page = await browser.get(`/signup?interaction=${interaction}`);
        const response = await browser.post('/signup', {
          ...hiddenFields(page.body),
          username: 'would.be',
          password: PASSWORD,
          email: 'would.be@example.com',
          ...override,
        });
        expect(response.statusCode).toBe(303);
        expect(response.location).toBe(`/signup?interaction=${interaction}&error=${code}`);
        expect(setsCookie(response, 'gatehouse_session')).toBe(false);
        const shown = await browser.get(response.location!);
        expectPage(shown);
        expect(shown.body).toContain(message);
        expect(hiddenFields(shown.body).interaction).toBe(interaction);
      });
    }
  });

  describe('logout (OIDC RP-Initiated Logout 1.0)', () => {
    /** A signed-in browser and an ID token for `user`, through the full flow and /token. */
    const signedInWithIdToken = async (user: TestUser) => {
      const result = await authorizeAndGetCode(sut, client, user, { scope: 'openid' });
      const token = await exchangeCode(sut, client, result);
      expect(token.statusCode).toBe(200);
      const idToken = token.json().id_token as string;
      expect(idToken.split('.')).toHaveLength(3);
      return { browser: result.browser, idToken };
    };
    /** After logout, a new authorization goes to the login page again. */
    const expectSignedOut = async (browser: TestBrowser) => {
      const response = await browser.get(authorizePath({ scope: 'openid' }));
      expect(response.statusCode).toBe(302);
      expect(response.location).toMatch(/^\/login\?interaction=/);
      expect(await isSignedIn(browser)).toBe(false);
    };

    it('ends the session with an id_token_hint and goes to the registered post_logout_redirect_uri with state', async () => {
      const { browser, idToken } = await signedInWithIdToken(alice);
      const response = await browser.get(
        `/logout?${formBody({ id_token_hint: idToken, post_logout_redirect_uri: BYE, state: 'bye-state' })}`,
      );
      expect(response.statusCode).toBe(303);
      expect(response.location).toBe(`${BYE}?state=bye-state`);
      const cleared = cookie(response, 'gatehouse_session');
      expect(cleared.value).toBe('');
      await expectSignedOut(browser);
    });

    it('does the same by POST', async () => {
      const { browser, idToken } = await signedInWithIdToken(alice);
      const response = await browser.post('/logout', {
        id_token_hint: idToken,
        post_logout_redirect_uri: BYE,
      });
      expect(response.statusCode).toBe(303);
      expect(response.location).toBe(BYE);
      await expectSignedOut(browser);
    });

    it('ends the session with an id_token_hint and no redirect, showing that the user is signed out', async () => {
      const { browser, idToken } = await signedInWithIdToken(alice);
      const response = await browser.get(`/logout?${formBody({ id_token_hint: idToken })}`);
      expect(response.statusCode).toBe(303);
      expect(response.location).toBe('/logout/done');
      const done = await browser.get('/logout/done');
      expectPage(done);
      expect(done.body).toContain('You are signed out.');
      await expectSignedOut(browser);
    });

    it('shows an error page for an unregistered post_logout_redirect_uri and keeps the session', async () => {
      const { browser, idToken } = await signedInWithIdToken(alice);
      for (const uri of ['https://evil.example/bye', `${BYE}/`, `${BYE}?x=1`, REDIRECT_URI]) {
        const response = await browser.get(
          `/logout?${formBody({ id_token_hint: idToken, post_logout_redirect_uri: uri })}`,
        );
        expectPage(response, 400);
        expect(response.location).toBeUndefined();
        expect(response.body).toContain(
          'post_logout_redirect_uri is not registered for this application.',
        );
      }
      expect(await isSignedIn(browser)).toBe(true);
    });

    it('shows an error page for a post_logout_redirect_uri without a hint or client_id', async () => {
      const browser = await signedIn();
      const response = await browser.get(`/logout?${formBody({ post_logout_redirect_uri: BYE })}`);
      expectPage(response, 400);
      expect(response.location).toBeUndefined();
      expect(await isSignedIn(browser)).toBe(true);
    });

    it('shows an error page for an id_token_hint that is not ours, or not an ID token', async () => {
      const browser = await signedIn();
      const accessToken = await sut.adminToken();
      for (const hint of ['not-a-jwt', 'e30.e30.', accessToken]) {
        const response = await browser.get(`/logout?${formBody({ id_token_hint: hint })}`);
        expectPage(response, 400);
        expect(response.body).toContain('The id_token_hint is not valid.');
      }
      expect(await isSignedIn(browser)).toBe(true);
    });

    it('shows an error page when client_id contradicts the id_token_hint', async () => {
      const { browser, idToken } = await signedInWithIdToken(alice);
      const response = await browser.get(
        `/logout?${formBody({ id_token_hint: idToken, client_id: 'someone-else' })}`,
      );
      expectPage(response, 400);
      expect(response.body).toContain('client_id does not match the id_token_hint.');
      expect(await isSignedIn(browser)).toBe(true);
    });

    it('asks for confirmation without a hint: GET alone does not sign out', async () => {
      const browser = await signedIn();
      const page = await browser.get('/logout');
      expectPage(page);
      expect(page.body).toContain('Sign out?');
      expect(page.body).toMatch(/<form method="post" action="\/logout">/);
      expect(Object.keys(hiddenFields(page.body))).toEqual(['csrf_token']);
      expect(await isSignedIn(browser)).toBe(true);
    });

    it('ends the session on the confirmed POST with CSRF: 303, and a later /authorize asks to sign in', async () => {
      const browser = await signedIn();
      const page = await browser.get('/logout');
      const response = await browser.post('/logout', hiddenFields(page.body));
      expect(response.statusCode).toBe(303);
      expect(response.location).toBe('/logout/done');
      expectPageHeaders(response);
      expect(cookie(response, 'gatehouse_session').value).toBe('');
      await expectSignedOut(browser);
    });

    it('carries client_id, post_logout_redirect_uri and state through the confirmation', async () => {
      const browser = await signedIn();
      const page = await browser.get(
        `/logout?${formBody({ client_id: client.client_id, post_logout_redirect_uri: BYE, state: 's2' })}`,
      );
      expectPage(page);
      expect(hiddenFields(page.body)).toEqual({
        csrf_token: expect.any(String),
        client_id: client.client_id,
        post_logout_redirect_uri: BYE,
        state: 's2',
      });
      expect(await isSignedIn(browser)).toBe(true);
      const response = await browser.post('/logout', hiddenFields(page.body));
      expect(response.statusCode).toBe(303);
      expect(response.location).toBe(`${BYE}?state=s2`);
      await expectSignedOut(browser);
    });

    it("asks for confirmation when the id_token_hint is another user's (RP-Initiated Logout §2)", async () => {
      const bob = await createUser(sut);
      const { idToken: bobsToken } = await signedInWithIdToken(bob);
      const browser = await signedIn(alice);
      const page = await browser.get(
        `/logout?${formBody({ id_token_hint: bobsToken, post_logout_redirect_uri: BYE })}`,
      );
      expectPage(page);
      expect(page.body).toContain('Sign out?');
      expect(hiddenFields(page.body)).toEqual({
        csrf_token: expect.any(String),
        client_id: client.client_id,
        post_logout_redirect_uri: BYE,
      });
      expect(await isSignedIn(browser)).toBe(true);
    });
  });
});

describe('pages: an https issuer', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({ ISSUER: 'https://id.example.com' });
    await createUser(sut, { username: 'alice' });
  });
  after(() => sut.close());

  it('marks the session and CSRF cookies Secure', async () => {
    const browser = new TestBrowser(sut);
    const page = await browser.get('/login');
    expect(cookie(page, 'gatehouse_csrf').attributes).toEqual(
      expect.arrayContaining(['secure', 'httponly', 'samesite=lax']),
    );
    const login = await browser.post('/login', {
      ...hiddenFields(page.body),
      username: 'alice',
      password: PASSWORD,
    });
    expect(login.location).toBe('/account');
    expect(cookie(login, 'gatehouse_session').attributes).toEqual(
      expect.arrayContaining(['secure', 'httponly', 'samesite=lax', 'path=/']),
    );
  });
});

describe('pages: SIGNUP_ENABLED=false', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({ SIGNUP_ENABLED: 'false' });
  });
  after(() => sut.close());

  it('answers the sign-up page with a 403 page', async () => {
    const response = await sut.request({ method: 'GET', url: '/signup' });
    expectPage(response, 403);
    expect(response.body).toContain('Sign-up is disabled.');
  });

  it('answers a sign-up form POST with a 403 page and creates nothing', async () => {
    const response = await sut.postForm('/signup', {
      csrf_token: 'a'.repeat(43),
      username: 'sneaky',
      password: PASSWORD,
    });
    expectPage(response, 403);
    expect((await sut.admin('GET', '/admin/users')).headers['x-total-count']).toBe('0');
  });

  it('shows no sign-up link on the login page', async () => {
    const page = await sut.request({ method: 'GET', url: '/login' });
    expect(page.body).not.toContain('/signup');
  });
});

describe('pages: failed logins are throttled', () => {
  let sut: TestApp;
  let victim: TestUser;

  before(async () => {
    sut = await startTestApp({
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      LOGIN_MAX_FAILURES_PER_IP: '5',
      LOGIN_FAILURE_WINDOW: '900',
    });
    victim = await createUser(sut, { username: 'victim' });
  });
  after(() => sut.close());

  /** One login form POST from `ip`, with a fresh CSRF pair. */
  const loginFrom = async (ip: string, username: string, password: string) => {
    const page = await sut.app.inject({ method: 'GET', url: '/login', remoteAddress: ip });
    const token = hiddenFields(page.body).csrf_token;
    const response = await sut.app.inject({
      method: 'POST',
      url: '/login',
      remoteAddress: ip,
      headers: {
        cookie: `gatehouse_csrf=${token}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: formBody({ csrf_token: token, username, password }),
    });
    expect(response.statusCode).toBe(303);
    return response;
  };
  const waitOf = (location: string) => {
    const match = /^\/login\?error=throttled&wait=(\d+)$/.exec(location);
    expect(match).not.toBeNull();
    return Number(match![1]);
  };

  it('refuses even the right password after LOGIN_MAX_FAILURES_PER_ACCOUNT failures, saying to wait', async () => {
    for (let i = 0; i < 3; i++) {
      const failed = await loginFrom('10.0.0.1', 'victim', 'wrong password');
      expect(failed.headers.location).toBe('/login?error=invalid');
    }
    // From another address too: the limit is per account.
    const refused = await loginFrom('10.0.0.2', 'VICTIM', victim.password);
    const wait = waitOf(refused.headers.location as string);
    expect(wait).toBeGreaterThan(890);
    expect(wait).toBeLessThanOrEqual(900);
    expect(refused.headers['set-cookie'] ?? '').not.toContain('gatehouse_session');

    const page = await sut.request({ method: 'GET', url: refused.headers.location as string });
    expectPage(page);
    expect(page.body).toContain(
      'Too many failed sign-in attempts. Wait 15 minute(s) and try again.',
    );
    expect(page.body).not.toContain(WRONG_CREDENTIALS);
  });

  it('still lets another account sign in from the same address', async () => {
    const other = await createUser(sut);
    const response = await loginFrom('10.0.0.2', other.username, other.password);
    expect(response.headers.location).toBe('/account');
  });

  it('refuses every account from an address after LOGIN_MAX_FAILURES_PER_IP failures', async () => {
    const target = await createUser(sut);
    for (let i = 0; i < 5; i++) {
      const failed = await loginFrom('10.0.0.66', `nobody${i}`, 'wrong password');
      expect(failed.headers.location).toBe('/login?error=invalid');
    }
    const refused = await loginFrom('10.0.0.66', target.username, target.password);
    expect(waitOf(refused.headers.location as string)).toBeGreaterThan(890);
    const elsewhere = await loginFrom('10.0.0.67', target.username, target.password);
    expect(elsewhere.headers.location).toBe('/account');
  });
});
