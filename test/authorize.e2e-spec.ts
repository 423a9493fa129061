import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { BrowserResponse, TestBrowser } from './support/browser';
import { hiddenFields, pkcePair } from './support/code-flow';
import { basicAuth, formBody, InjectResult, startTestApp, TestApp } from './support/test-app';

const ISSUER = 'http://localhost:3000';
const WEB_CB = 'https://app.example.com/cb';
const WEB_CB_2 = 'https://app.example.com/other-cb';
const LOOPBACK_CB = 'http://127.0.0.1:8080/callback';
const SPA_CB = 'https://spa.example.com/cb';
const PASSWORD = 'correct horse battery';
const INTERACTION_LOCATION = /^\/login\?interaction=[A-Za-z0-9_-]{16,64}$/;
const CODE = /^[A-Za-z0-9_-]{43,}$/;

type Params = Record<string, string | string[]>;

interface Client {
  client_id: string;
  client_secret?: string;
}

/** `params` less one parameter. */
function without(params: Params, name: string): Params {
  return Object.fromEntries(Object.entries(params).filter(([key]) => key !== name));
}

function authorizeUrl(params: Params): string {
  return `/authorize?${formBody(params)}`;
}

/**
 * A redirect to `redirectUri` (scheme, host, port and path compared exactly) whose query is
 * exactly `params`, each once.
 */
function expectRedirect(
  response: { statusCode: number; headers: InjectResult['headers'] },
  redirectUri: string,
  params: Record<string, unknown>,
  status = 302,
): URLSearchParams {
  expect(response.statusCode).toBe(status);
  const location = response.headers.location as string;
  expect(typeof location).toBe('string');
  const url = new URL(location);
  expect(`${url.origin}${url.pathname}`).toBe(redirectUri);
  expect(url.hash).toBe('');
  expect(Object.fromEntries(url.searchParams)).toEqual(params);
  expect([...url.searchParams.keys()]).toHaveLength(Object.keys(params).length);
  return url.searchParams;
}

/** Our own error page: 400 HTML naming the problem, and never a Location (RFC 6749 §4.1.2.1). */
function expectErrorPage(response: InjectResult | BrowserResponse, message: string): void {
  expect(response.statusCode).toBe(400);
  expect(response.headers.location).toBeUndefined();
  expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(response.body).toContain('This request cannot continue');
  expect(response.body).toContain(message);
}

describe('/authorize (RFC 6749 §4.1, RFC 7636, RFC 9207, OIDC Core §3.1.2)', () => {
  let sut: TestApp;
  let web: Client;
  let spa: Client;
  let other: Client;
  let disabled: Client;

  before(async () => {
    sut = await startTestApp();
    for (const username of ['alice', 'bob', 'carol', 'dave', 'erin']) {
      const user = await sut.admin('POST', '/admin/users', { username, password: PASSWORD });
      expect(user.statusCode).toBe(201);
    }
    const create = async (body: object): Promise<Client> => {
      const response = await sut.admin('POST', '/admin/clients', {
        grant_types: ['authorization_code', 'refresh_token'],
        ...body,
      });
      expect(response.statusCode).toBe(201);
      return response.json();
    };
    web = await create({
      client_name: 'Web app',
      client_type: 'confidential',
      redirect_uris: [WEB_CB, WEB_CB_2, LOOPBACK_CB],
      scope: 'openid profile email offline_access',
    });
    spa = await create({
      client_name: 'Single-page app',
      client_type: 'public',
      redirect_uris: [SPA_CB],
      scope: 'openid profile',
    });
    other = await create({
      client_name: 'Other app',
      client_type: 'confidential',
      redirect_uris: ['https://other.example.com/cb'],
      scope: 'openid profile',
    });
    disabled = await create({
      client_name: 'Disabled app',
      client_type: 'confidential',
      redirect_uris: ['https://disabled.example.com/cb'],
      scope: 'openid',
    });
    const patched = await sut.admin('PATCH', `/admin/clients/${disabled.client_id}`, {
      status: 'disabled',
    });
    expect(patched.statusCode).toBe(200);
  });
  after(() => sut.close());

  const webParams = (extra: Params = {}): Params => ({
    response_type: 'code',
    client_id: web.client_id,
    redirect_uri: WEB_CB,
    scope: 'openid profile',
    state: 'xyz-state',
    ...extra,
  });
  const get = (params: Params) => sut.request({ method: 'GET', url: authorizeUrl(params) });

  /** Signs in on the login page `location` leads to; answers the login POST. */
  const signIn = async (browser: TestBrowser, location: string, username = 'alice') => {
    const page = await browser.get(location);
    expect(page.statusCode).toBe(200);
    const response = await browser.post('/login', {
      ...hiddenFields(page.body),
      username,
      password: PASSWORD,
    });
    expect(response.statusCode).toBe(303);
    return response;
  };
  /** A browser signed in as `username` through the login form (no authorization pending). */
  const signedInBrowser = async (username = 'alice') => {
    const browser = new TestBrowser(sut);
    const result = await signIn(browser, '/login', username);
    expect(result.location).toBe('/account');
    return browser;
  };
  /** Answers the consent page `location` leads to. */
  const decide = async (browser: TestBrowser, location: string, decision: 'allow' | 'deny') => {
    const page = await browser.get(location);
    expect(page.statusCode).toBe(200);
    return browser.post('/consent', { ...hiddenFields(page.body), decision });
  };
  /**
   * The whole flow in a fresh browser: authorize, login, continue, and consent unless the user
   * consented before. `response` is the redirect to the client.
   */
  const fullFlow = async (params: Params, username = 'alice') => {
    const browser = new TestBrowser(sut);
    const start = await browser.get(authorizeUrl(params));
    expect(start.location).toMatch(INTERACTION_LOCATION);
    const login = await signIn(browser, start.location!, username);
    const next = await browser.get(login.location!);
    if (!next.location!.startsWith('/consent?')) return { browser, response: next };
    return { browser, response: await decide(browser, next.location!, 'allow') };
  };
  const exchange = (client: Client, code: string, extra: Record<string, string> = {}) =>
    sut.postForm(
      '/token',
      { grant_type: 'authorization_code', code, ...extra },
      client.client_secret
        ? { authorization: basicAuth(client.client_id, client.client_secret) }
        : {},
    );

  describe('requests that cannot be trusted: an error page, never a redirect', () => {
    it('shows an error page for an unknown client', async () => {
      expectErrorPage(
        await get(webParams({ client_id: 'no-such-client' })),
        'the client is unknown or disabled',
      );
    });

    it('shows an error page for a missing client_id', async () => {
      const params = without(webParams(), 'client_id');
      expectErrorPage(await get(params), 'client_id is missing');
    });

    it('shows an error page for a disabled client', async () => {
      expectErrorPage(
        await get({
          response_type: 'code',
          client_id: disabled.client_id,
          redirect_uri: 'https://disabled.example.com/cb',
          state: 's',
        }),
        'the client is unknown or disabled',
      );
    });

    for (const [what, uri] of [
      ['an unregistered redirect_uri', 'https://evil.example/cb'],
      ['a redirect_uri with an added trailing slash', `${WEB_CB}/`],
      ['a redirect_uri with an added query', `${WEB_CB}?next=https://evil.example`],
      ['a redirect_uri in another letter case', WEB_CB.toUpperCase()],
      ['a redirect_uri on another port of a non-loopback host', 'https://app.example.com:8443/cb'],
      ['a loopback redirect_uri with another path', 'http://127.0.0.1:8080/other'],
      [
        'a loopback redirect_uri on localhost instead of 127.0.0.1',
        'http://localhost:8080/callback',
      ],
    ]) {
      it(`shows an error page for ${what}`, async () => {
        expectErrorPage(
          await get(webParams({ redirect_uri: uri })),
          'redirect_uri is not registered for this client',
        );
      });
    }

    it('shows an error page, not a redirect, even when the request has other errors too', async () => {
      expectErrorPage(
        await get(webParams({ redirect_uri: 'https://evil.example/cb', response_type: 'token' })),
        'redirect_uri is not registered for this client',
      );
    });

    it('shows an error page when redirect_uri is missing and the client registered several', async () => {
      const params = without(webParams(), 'redirect_uri');
      expectErrorPage(await get(params), 'redirect_uri is required: the client registered several');
    });

    it('shows an error page for a repeated client_id', async () => {
      expectErrorPage(
        await get(webParams({ client_id: [web.client_id, web.client_id] })),
        'client_id is repeated',
      );
    });

    it('shows an error page for a repeated redirect_uri', async () => {
      expectErrorPage(
        await get(webParams({ redirect_uri: [WEB_CB, WEB_CB] })),
        'redirect_uri is repeated',
      );
    });

    it('shows the error page for POST /authorize too', async () => {
      const response = await sut.postForm('/authorize', webParams({ client_id: 'no-such-client' }));
      expectErrorPage(response, 'the client is unknown or disabled');
    });

    it('escapes what the request said on the error page', async () => {
      const response = await get(webParams({ client_id: '<script>alert(1)</script>' }));
      expectErrorPage(response, 'the client is unknown or disabled');
      expect(response.body).not.toContain('<script>');
    });
  });

  describe('redirect_uri', () => {
    it('uses the only registered redirect_uri when the request names none', async () => {
      const { verifier, challenge } = pkcePair();
      const { response } = await fullFlow({
        response_type: 'code',
        client_id: spa.client_id,
        scope: 'openid',
        state: 's1',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const params = expectRedirect(
        response,
        SPA_CB,
        { code: expect.stringMatching(CODE), state: 's1', iss: ISSUER },
        303,
      );
      const token = await sut.postForm('/token', {
        grant_type: 'authorization_code',
        client_id: spa.client_id,
        code: params.get('code')!,
        code_verifier: verifier,
      });
      expect(token.statusCode).toBe(200);
    });

    it('accepts a loopback redirect_uri on another port (RFC 8252 §7.3) and redirects to that port', async () => {
      const requested = 'http://127.0.0.1:51234/callback';
      const start = await get(webParams({ redirect_uri: requested }));
      expect(start.statusCode).toBe(302);
      expect(start.headers.location).toMatch(INTERACTION_LOCATION);
      const { response } = await fullFlow(webParams({ redirect_uri: requested }));
      expectRedirect(
        response,
        requested,
        { code: expect.stringMatching(CODE), state: 'xyz-state', iss: ISSUER },
        303,
      );
    });

    it('sends errors for a loopback redirect to the port the request named', async () => {
      const requested = 'http://127.0.0.1:40000/callback';
      expectRedirect(
        await get(webParams({ redirect_uri: requested, response_type: 'token' })),
        requested,
        {
          error: 'unsupported_response_type',
          error_description: 'only response_type=code is supported',
          state: 'xyz-state',
          iss: ISSUER,
        },
      );
    });
  });

  describe('errors go back to the client with state and iss (RFC 6749 §4.1.2.1, RFC 9207)', () => {
    const cases: [string, Params, string, string][] = [
      [
        'response_type=token',
        { response_type: 'token' },
        'unsupported_response_type',
        'only response_type=code is supported',
      ],
      [
        'response_type=id_token',
        { response_type: 'id_token' },
        'unsupported_response_type',
        'only response_type=code is supported',
      ],
      [
        'response_type=code id_token',
        { response_type: 'code id_token' },
        'unsupported_response_type',
        'only response_type=code is supported',
      ],
      [
        'an empty response_type',
        { response_type: '' },
        'invalid_request',
        'response_type is required',
      ],
      [
        'a scope the client may not request',
        { scope: 'openid admin' },
        'invalid_scope',
        'the client may not request admin',
      ],
      ['a malformed scope', { scope: 'openid  profile' }, 'invalid_scope', 'scope is malformed'],
      [
        'a repeated scope parameter',
        { scope: ['openid', 'profile'] },
        'invalid_request',
        'parameter scope is repeated',
      ],
      [
        'a repeated response_type',
        { response_type: ['code', 'code'] },
        'invalid_request',
        'parameter response_type is repeated',
      ],
      [
        'a repeated code_challenge',
        { code_challenge: ['a'.repeat(43), 'b'.repeat(43)], code_challenge_method: 'S256' },
        'invalid_request',
        'parameter code_challenge is repeated',
      ],
      [
        'the plain PKCE method',
        { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
        'invalid_request',
        'code_challenge_method must be S256',
      ],
      [
        'a challenge without a method (which would mean plain)',
        { code_challenge: 'a'.repeat(43) },
        'invalid_request',
        'code_challenge_method must be S256',
      ],
      [
        'a challenge of 42 characters',
        { code_challenge: 'a'.repeat(42), code_challenge_method: 'S256' },
        'invalid_request',
        'code_challenge is malformed',
      ],
      [
        'a challenge of 129 characters',
        { code_challenge: 'a'.repeat(129), code_challenge_method: 'S256' },
        'invalid_request',
        'code_challenge is malformed',
      ],
      [
        'a challenge in base64 rather than base64url',
        { code_challenge: `${'a'.repeat(42)}+/=`, code_challenge_method: 'S256' },
        'invalid_request',
        'code_challenge is malformed',
      ],
      [
        'a method without a challenge',
        { code_challenge_method: 'S256' },
        'invalid_request',
        'code_challenge_method without code_challenge',
      ],
      [
        'an unknown prompt',
        { prompt: 'select_account' },
        'invalid_request',
        'prompt supports none, login and consent',
      ],
      [
        'prompt=none with another value',
        { prompt: 'none login' },
        'invalid_request',
        'prompt=none stands alone',
      ],
      [
        'a negative max_age',
        { max_age: '-1' },
        'invalid_request',
        'max_age must be a non-negative integer',
      ],
      [
        'a max_age that is not a number',
        { max_age: 'soon' },
        'invalid_request',
        'max_age must be a non-negative integer',
      ],
      [
        'response_mode=fragment',
        { response_mode: 'fragment' },
        'invalid_request',
        'only response_mode=query is supported',
      ],
      [
        'a request object',
        { request: 'eyJhbGciOiJub25lIn0.e30.' },
        'request_not_supported',
        'request objects are not supported',
      ],
      [
        'a nonce over 2048 characters',
        { nonce: 'n'.repeat(2049) },
        'invalid_request',
        'nonce is too long',
      ],
    ];
    for (const [what, extra, error, description] of cases) {
      it(`answers ${error} for ${what}`, async () => {
        expectRedirect(await get(webParams(extra)), WEB_CB, {
          error,
          error_description: description,
          state: 'xyz-state',
          iss: ISSUER,
        });
      });
    }

    it('answers invalid_request without state when state itself is repeated', async () => {
      expectRedirect(await get(webParams({ state: ['a', 'b'] })), WEB_CB, {
        error: 'invalid_request',
        error_description: 'parameter state is repeated',
        iss: ISSUER,
      });
    });

    it('answers an error without state when the request had none', async () => {
      const params = without(webParams({ response_type: 'token' }), 'state');
      expectRedirect(await get(params), WEB_CB, {
        error: 'unsupported_response_type',
        error_description: 'only response_type=code is supported',
        iss: ISSUER,
      });
    });

    it('echoes state exactly, special characters included', async () => {
      const state = 'a b&c=d/é?#';
      expectRedirect(await get(webParams({ response_type: 'token', state })), WEB_CB, {
        error: 'unsupported_response_type',
        error_description: 'only response_type=code is supported',
        state,
        iss: ISSUER,
      });
    });

    it('requires PKCE of a public client: invalid_request by redirect', async () => {
      expectRedirect(
        await get({ response_type: 'code', client_id: spa.client_id, scope: 'openid', state: 'p' }),
        SPA_CB,
        {
          error: 'invalid_request',
          error_description: 'PKCE (code_challenge, S256) is required',
          state: 'p',
          iss: ISSUER,
        },
      );
    });

    it('answers unauthorized_client to a client without the authorization_code grant', async () => {
      const created = await sut.admin('POST', '/admin/clients', {
        client_name: 'No code flow',
        client_type: 'confidential',
        redirect_uris: ['https://nocode.example.com/cb'],
        grant_types: ['client_credentials'],
        scope: 'openid',
      });
      expect(created.statusCode).toBe(201);
      expectRedirect(
        await get({
          response_type: 'code',
          client_id: created.json().client_id,
          redirect_uri: 'https://nocode.example.com/cb',
          state: 'n',
        }),
        'https://nocode.example.com/cb',
        {
          error: 'unauthorized_client',
          error_description: 'the client may not use the authorization code flow',
          state: 'n',
          iss: ISSUER,
        },
      );
    });

    it('sends errors of POST /authorize by 303 to the client too', async () => {
      const response = await sut.postForm('/authorize', webParams({ response_type: 'token' }));
      expectRedirect(
        response,
        WEB_CB,
        {
          error: 'unsupported_response_type',
          error_description: 'only response_type=code is supported',
          state: 'xyz-state',
          iss: ISSUER,
        },
        303,
      );
    });

    it('never sends CORS headers, even to a request with an Origin', async () => {
      const response = await sut.request({
        method: 'GET',
        url: authorizeUrl(webParams()),
        headers: { origin: 'https://app.example.com' },
      });
      expect(response.statusCode).toBe(302);
      expect(Object.keys(response.headers).filter((h) => h.startsWith('access-control-'))).toEqual(
        [],
      );
    });
  });

  describe('a good request', () => {
    it('sends a browser without a session to the login page, with no-store', async () => {
      const response = await get(webParams());
      expect(response.statusCode).toBe(302);
      expect(response.headers.location).toMatch(INTERACTION_LOCATION);
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('ignores unknown parameters', async () => {
      const response = await get(webParams({ foo: 'bar', ui_locales: 'de', claims_locales: 'x' }));
      expect(response.statusCode).toBe(302);
      expect(response.headers.location).toMatch(INTERACTION_LOCATION);
    });

    it('returns the code with state and iss after login and consent', async () => {
      const browser = new TestBrowser(sut);
      const start = await browser.get(authorizeUrl(webParams()));
      const login = await signIn(browser, start.location!, 'dave');
      expect(login.location).toBe(start.location!.replace('/login', '/authorize/continue'));
      const next = await browser.get(login.location!);
      expect(next.statusCode).toBe(302);
      expect(next.location).toBe(start.location!.replace('/login', '/consent'));
      const response = await decide(browser, next.location!, 'allow');
      expectRedirect(
        response,
        WEB_CB,
        { code: expect.stringMatching(CODE), state: 'xyz-state', iss: ISSUER },
        303,
      );
    });

    it('returns the code with iss and no state when the request had none', async () => {
      const params = without(webParams(), 'state');
      const { response } = await fullFlow(params, 'carol');
      expectRedirect(response, WEB_CB, { code: expect.stringMatching(CODE), iss: ISSUER }, 303);
    });

    it('works the same by POST, with 303 redirects (OIDC Core §3.1.2.1)', async () => {
      const browser = new TestBrowser(sut);
      const start = await browser.post(
        '/authorize',
        webParams({ redirect_uri: WEB_CB_2 }) as Record<string, string>,
      );
      expect(start.statusCode).toBe(303);
      expect(start.location).toMatch(INTERACTION_LOCATION);
      const login = await signIn(browser, start.location!, 'bob');
      const next = await browser.get(login.location!);
      const response = await decide(browser, next.location!, 'allow');
      const params = expectRedirect(
        response,
        WEB_CB_2,
        { code: expect.stringMatching(CODE), state: 'xyz-state', iss: ISSUER },
        303,
      );
      const again = await browser.post(
        '/authorize',
        webParams({ redirect_uri: WEB_CB_2 }) as Record<string, string>,
      );
      expectRedirect(
        again,
        WEB_CB_2,
        { code: expect.stringMatching(CODE), state: 'xyz-state', iss: ISSUER },
        303,
      );
      const token = await exchange(web, params.get('code')!, { redirect_uri: WEB_CB_2 });
      expect(token.statusCode).toBe(200);
    });

    it('prefills the username from login_hint, escaped', async () => {
      const browser = new TestBrowser(sut);
      const start = await browser.get(authorizeUrl(webParams({ login_hint: 'alice"><b>' })));
      const page = await browser.get(start.location!);
      expect(page.statusCode).toBe(200);
      expect(page.body).toMatch(
        /<input\s+id="username"\s+name="username"[^>]*\svalue="alice&quot;&gt;&lt;b&gt;"/,
      );
    });

    it('shows an error page for an unknown interaction at /authorize/continue', async () => {
      const response = await sut.request({
        method: 'GET',
        url: '/authorize/continue?interaction=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      });
      expectErrorPage(response, 'This sign-in request has expired or is unknown.');
    });
  });

  describe('PKCE is verified whenever a challenge was sent (RFC 7636 §4.6)', () => {
    let browser: TestBrowser;
    before(async () => {
      browser = await signedInBrowser('erin');
      // Remember consent so later requests go straight to the code.
      const start = await browser.get(authorizeUrl(webParams()));
      await decide(browser, start.location!, 'allow');
    });
    const codeFor = async (challenge: string) => {
      const response = await browser.get(
        authorizeUrl(webParams({ code_challenge: challenge, code_challenge_method: 'S256' })),
      );
      return expectRedirect(response, WEB_CB, {
        code: expect.stringMatching(CODE),
        state: 'xyz-state',
        iss: ISSUER,
      }).get('code')!;
    };

    it('issues tokens to a confidential client presenting the right verifier', async () => {
      const { verifier, challenge } = pkcePair();
      const token = await exchange(web, await codeFor(challenge), {
        redirect_uri: WEB_CB,
        code_verifier: verifier,
      });
      expect(token.statusCode).toBe(200);
    });

    it('refuses a confidential client that omits the verifier', async () => {
      const token = await exchange(web, await codeFor(pkcePair().challenge), {
        redirect_uri: WEB_CB,
      });
      expect(token.statusCode).toBe(400);
      expect(token.json().error).toBe('invalid_grant');
    });

    it('refuses a wrong verifier', async () => {
      const token = await exchange(web, await codeFor(pkcePair().challenge), {
        redirect_uri: WEB_CB,
        code_verifier: pkcePair().verifier,
      });
      expect(token.statusCode).toBe(400);
      expect(token.json().error).toBe('invalid_grant');
    });
  });

  describe('prompt, max_age and remembered consent (OIDC Core §3.1.2.1)', () => {
    it('answers login_required to prompt=none without a session', async () => {
      expectRedirect(await get(webParams({ prompt: 'none' })), WEB_CB, {
        error: 'login_required',
        error_description: 'the user is not signed in',
        state: 'xyz-state',
        iss: ISSUER,
      });
    });

    it('answers consent_required to prompt=none with a session but no consent', async () => {
      const browser = await signedInBrowser('bob');
      const response = await browser.get(
        authorizeUrl({
          ...webParams({ prompt: 'none' }),
          client_id: other.client_id,
          redirect_uri: 'https://other.example.com/cb',
        }),
      );
      expectRedirect(response, 'https://other.example.com/cb', {
        error: 'consent_required',
        error_description: 'consent is needed',
        state: 'xyz-state',
        iss: ISSUER,
      });
    });

    it('remembers consent: the same or fewer scopes skip the page, more scopes show it again', async () => {
      const { browser } = await fullFlow(webParams({ scope: 'openid profile' }), 'carol');
      const same = await browser.get(authorizeUrl(webParams({ scope: 'openid profile' })));
      expectRedirect(same, WEB_CB, {
        code: expect.stringMatching(CODE),
        state: 'xyz-state',
        iss: ISSUER,
      });
      const fewer = await browser.get(authorizeUrl(webParams({ scope: 'openid' })));
      expectRedirect(fewer, WEB_CB, {
        code: expect.stringMatching(CODE),
        state: 'xyz-state',
        iss: ISSUER,
      });
      const silent = await browser.get(
        authorizeUrl(webParams({ scope: 'profile', prompt: 'none' })),
      );
      expectRedirect(silent, WEB_CB, {
        code: expect.stringMatching(CODE),
        state: 'xyz-state',
        iss: ISSUER,
      });

      const more = await browser.get(authorizeUrl(webParams({ scope: 'openid profile email' })));
      expect(more.statusCode).toBe(302);
      expect(more.location).toMatch(/^\/consent\?interaction=[A-Za-z0-9_-]+$/);
      const page = await browser.get(more.location!);
      expect(page.body).toContain('See your email address');
      const noneMore = await browser.get(
        authorizeUrl(webParams({ scope: 'openid email', prompt: 'none' })),
      );
      expectRedirect(noneMore, WEB_CB, {
        error: 'consent_required',
        error_description: 'consent is needed',
        state: 'xyz-state',
        iss: ISSUER,
      });
    });

    it('remembers consent per client: another client asks again', async () => {
      const { browser } = await fullFlow(webParams({ scope: 'openid' }), 'carol');
      const response = await browser.get(
        authorizeUrl({
          response_type: 'code',
          client_id: other.client_id,
          scope: 'openid',
          state: 'o',
        }),
      );
      expect(response.location).toMatch(/^\/consent\?interaction=/);
    });

    it('remembers consent per user: another user of the same client is asked', async () => {
      await fullFlow(webParams({ scope: 'openid email' }), 'alice');
      const browser = await signedInBrowser('bob');
      const response = await browser.get(authorizeUrl(webParams({ scope: 'openid email' })));
      expect(response.location).toMatch(/^\/consent\?interaction=/);
    });

    it('shows the consent page again with prompt=consent, though consent is remembered', async () => {
      const { browser } = await fullFlow(webParams({ scope: 'openid' }), 'carol');
      const response = await browser.get(
        authorizeUrl(webParams({ scope: 'openid', prompt: 'consent' })),
      );
      expect(response.statusCode).toBe(302);
      expect(response.location).toMatch(/^\/consent\?interaction=/);
      const allowed = await decide(browser, response.location!, 'allow');
      expectRedirect(
        allowed,
        WEB_CB,
        { code: expect.stringMatching(CODE), state: 'xyz-state', iss: ISSUER },
        303,
      );
    });

    it('answers access_denied when the user denies, and the interaction is over', async () => {
      const browser = await signedInBrowser('bob');
      const start = await browser.get(
        authorizeUrl({
          response_type: 'code',
          client_id: other.client_id,
          scope: 'openid profile',
          state: 'd',
        }),
      );
      const page = await browser.get(start.location!);
      const fields = hiddenFields(page.body);
      const denied = await browser.post('/consent', { ...fields, decision: 'deny' });
      expectRedirect(
        denied,
        'https://other.example.com/cb',
        {
          error: 'access_denied',
          error_description: 'the user denied the request',
          state: 'd',
          iss: ISSUER,
        },
        303,
      );
      const replay = await browser.post('/consent', { ...fields, decision: 'allow' });
      expect(replay.statusCode).toBe(400);
      expect(replay.location).toBeUndefined();
      // Denying remembers nothing: the next request asks again.
      const again = await browser.get(
        authorizeUrl({
          response_type: 'code',
          client_id: other.client_id,
          scope: 'openid',
          state: 'd',
        }),
      );
      expect(again.location).toMatch(/^\/consent\?interaction=/);
    });

    it('forces the login page with prompt=login although signed in, then completes', async () => {
      const { browser } = await fullFlow(webParams({ scope: 'openid' }), 'alice');
      const response = await browser.get(
        authorizeUrl(webParams({ scope: 'openid', prompt: 'login' })),
      );
      expect(response.statusCode).toBe(302);
      expect(response.location).toMatch(INTERACTION_LOCATION);
      const login = await signIn(browser, response.location!);
      const done = await browser.get(login.location!);
      expectRedirect(done, WEB_CB, {
        code: expect.stringMatching(CODE),
        state: 'xyz-state',
        iss: ISSUER,
      });
    });

    it('forces the login page with max_age=0, then completes (no login loop)', async () => {
      const { browser } = await fullFlow(webParams({ scope: 'openid' }), 'alice');
      const response = await browser.get(
        authorizeUrl(webParams({ scope: 'openid', max_age: '0' })),
      );
      expect(response.statusCode).toBe(302);
      expect(response.location).toMatch(INTERACTION_LOCATION);
      const login = await signIn(browser, response.location!);
      const done = await browser.get(login.location!);
      expectRedirect(done, WEB_CB, {
        code: expect.stringMatching(CODE),
        state: 'xyz-state',
        iss: ISSUER,
      });
    });

    it('does not ask for a login again when the session is younger than max_age', async () => {
      const { browser } = await fullFlow(webParams({ scope: 'openid' }), 'alice');
      const response = await browser.get(
        authorizeUrl(webParams({ scope: 'openid', max_age: '3600' })),
      );
      expectRedirect(response, WEB_CB, {
        code: expect.stringMatching(CODE),
        state: 'xyz-state',
        iss: ISSUER,
      });
    });

    it('answers login_required to prompt=none with max_age=0', async () => {
      const { browser } = await fullFlow(webParams({ scope: 'openid' }), 'alice');
      const response = await browser.get(
        authorizeUrl(webParams({ scope: 'openid', prompt: 'none', max_age: '0' })),
      );
      expectRedirect(response, WEB_CB, {
        error: 'login_required',
        error_description: 'the user is not signed in',
        state: 'xyz-state',
        iss: ISSUER,
      });
    });
  });
});
