import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { TestBrowser } from './support/browser';
import {
  createClient,
  createPublicClient,
  createUser,
  exchangeCode,
  pkcePair,
  pushAuthorizationRequest,
  REDIRECT_URI,
  signInForTokens,
  TestClient,
  TestUser,
  authorizeAndGetCode,
} from './support/code-flow';
import { TestClock } from './support/clock';
import { basicAuth, InjectResult, startTestApp, TestApp } from './support/test-app';
import { BrowserResponse } from './support/browser';

const ISSUER = 'http://localhost:3000';
const REQUEST_URI = /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/;
const CLIENT_AUTHENTICATION_FAILED =
  'client authentication failed; check that the client uses its registered token_endpoint_auth_method';
const INVALID_REQUEST_URI =
  'invalid_request_uri: the request_uri is unknown, expired, already used or not this client';

/** Our own error page: 400 HTML naming the problem, and never a Location (RFC 6749 §4.1.2.1). */
function expectErrorPage(response: InjectResult | BrowserResponse, message: string): void {
  expect(response.statusCode).toBe(400);
  expect(response.headers.location).toBeUndefined();
  expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(response.body).toContain('This request cannot continue');
  expect(response.body).toContain(message);
}

function oauthError(response: InjectResult, status: number, error: string, description: string) {
  expect({ status: response.statusCode, body: response.json() }).toEqual({
    status,
    body: { error, error_description: description },
  });
  expect(response.headers['content-type']).toMatch(/^application\/json/);
}

const authorizeUrl = (clientId: string, requestUri: string) =>
  `/authorize?${new URLSearchParams({ client_id: clientId, request_uri: requestUri }).toString()}`;

function codeRequest(extra: Record<string, string> = {}): Record<string, string> {
  const { challenge } = pkcePair();
  return {
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile',
    state: 'st-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
}

describe('pushed authorization requests (RFC 9126)', () => {
  let sut: TestApp;
  let user: TestUser;
  let web: TestClient;
  let spa: TestClient;
  let other: TestClient;
  const clock = new TestClock();

  before(async () => {
    sut = await startTestApp({}, { clock });
    user = await createUser(sut);
    web = await createClient(sut);
    spa = await createPublicClient(sut);
    other = await createClient(sut);
  });
  after(() => sut.close());

  async function push(client: TestClient, extra: Record<string, string> = {}): Promise<string> {
    const response = await pushAuthorizationRequest(sut, client, codeRequest(extra));
    expect(response.statusCode).toBe(201);
    return response.json().request_uri;
  }

  describe('POST /par (§2)', () => {
    it('201 no-store with a request_uri URN and expires_in 60', async () => {
      const response = await pushAuthorizationRequest(sut, web, codeRequest());
      expect(response.statusCode).toBe(201);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.json()).toEqual({
        request_uri: expect.stringMatching(REQUEST_URI),
        expires_in: 60,
      });
    });

    it('a public client identifies itself with client_id (PKCE required as at /authorize)', async () => {
      expect((await pushAuthorizationRequest(sut, spa, codeRequest())).statusCode).toBe(201);
      const withoutPkce = codeRequest();
      delete withoutPkce.code_challenge;
      delete withoutPkce.code_challenge_method;
      oauthError(
        await pushAuthorizationRequest(sut, spa, withoutPkce),
        400,
        'invalid_request',
        'PKCE (code_challenge, S256) is required',
      );
    });

    it('client_secret_post works as at /token, for a client registered with it', async () => {
      const poster = await createClient(sut, { token_endpoint_auth_method: 'client_secret_post' });
      const form = { client_id: poster.client_id, client_secret: poster.client_secret! };
      expect((await sut.postForm('/par', { ...codeRequest(), ...form })).statusCode).toBe(201);
      const byBasic = await pushAuthorizationRequest(sut, poster, codeRequest());
      oauthError(byBasic, 401, 'invalid_client', CLIENT_AUTHENTICATION_FAILED);
    });

    it('a wrong secret is 401 invalid_client with a Basic challenge', async () => {
      const response = await sut.postForm('/par', codeRequest(), {
        authorization: basicAuth(web.client_id, 'not-the-secret'),
      });
      oauthError(response, 401, 'invalid_client', CLIENT_AUTHENTICATION_FAILED);
      expect(response.headers['www-authenticate']).toMatch(/^Basic /);
    });

    it('no client authentication at all is 401 invalid_client', async () => {
      oauthError(
        await sut.postForm('/par', codeRequest()),
        401,
        'invalid_client',
        CLIENT_AUTHENTICATION_FAILED,
      );
    });

    it('a confidential client presenting only its client_id is 401 invalid_client', async () => {
      oauthError(
        await sut.postForm('/par', { ...codeRequest(), client_id: web.client_id }),
        401,
        'invalid_client',
        CLIENT_AUTHENTICATION_FAILED,
      );
    });

    it('request_uri in the body is 400 invalid_request (§2.1)', async () => {
      oauthError(
        await pushAuthorizationRequest(sut, web, codeRequest({ request_uri: 'urn:x' })),
        400,
        'invalid_request',
        'request_uri must not be pushed (RFC 9126 §2.1)',
      );
    });

    it('a request object is refused as at /authorize', async () => {
      oauthError(
        await pushAuthorizationRequest(sut, web, codeRequest({ request: 'eyJ.e30.' })),
        400,
        'request_not_supported',
        'request objects are not supported',
      );
    });

    it('the rules of /authorize: unregistered redirect_uri, scope, response_type', async () => {
      oauthError(
        await pushAuthorizationRequest(
          sut,
          web,
          codeRequest({ redirect_uri: 'https://evil.example/cb' }),
        ),
        400,
        'invalid_request',
        'redirect_uri is not registered for this client',
      );
      oauthError(
        await pushAuthorizationRequest(sut, web, codeRequest({ scope: 'openid iam:admin' })),
        400,
        'invalid_scope',
        'the client may not request iam:admin',
      );
      oauthError(
        await pushAuthorizationRequest(sut, web, codeRequest({ response_type: 'token' })),
        400,
        'unsupported_response_type',
        'only response_type=code is supported',
      );
    });

    it('a client_id in the body other than the authenticated client is 400 invalid_request', async () => {
      oauthError(
        await pushAuthorizationRequest(sut, web, codeRequest({ client_id: other.client_id })),
        400,
        'invalid_request',
        'client_id in the body differs from the Authorization header',
      );
    });

    it('a repeated parameter is 400 invalid_request', async () => {
      oauthError(
        await pushAuthorizationRequest(sut, web, { ...codeRequest(), state: ['a', 'b'] }),
        400,
        'invalid_request',
        'state: is repeated',
      );
    });

    it('a huge value is 400 invalid_request', async () => {
      oauthError(
        await pushAuthorizationRequest(sut, web, codeRequest({ state: 'x'.repeat(3000) })),
        400,
        'invalid_request',
        'state is too long',
      );
    });

    it('a JSON body is 415 invalid_request', async () => {
      const response = await sut.request({
        method: 'POST',
        url: '/par',
        headers: { authorization: basicAuth(web.client_id, web.client_secret!) },
        payload: codeRequest(),
      });
      oauthError(response, 415, 'invalid_request', 'unsupported Content-Type');
    });
  });

  describe('/authorize with the request_uri (§4)', () => {
    it('the whole code flow: sign-in, consent, code, tokens (confidential client)', async () => {
      const tokens = await signInForTokens(sut, web, user, { pushed: true });
      expect(tokens).toEqual(
        expect.objectContaining({ token_type: 'Bearer', id_token: expect.any(String) }),
      );
    });

    it('the whole code flow for a public client', async () => {
      const result = await authorizeAndGetCode(sut, spa, user, { pushed: true, state: 'pub' });
      expect(result.callback.searchParams.get('state')).toBe('pub');
      expect(result.callback.searchParams.get('iss')).toBe(ISSUER);
      const response = await exchangeCode(sut, spa, result);
      expect(response.statusCode).toBe(200);
    });

    it('only the pushed parameters count: others on /authorize are ignored', async () => {
      const browser = new TestBrowser(sut);
      await authorizeAndGetCode(sut, web, user, { browser }); // signed in, consented
      const requestUri = await push(web, { state: 'pushed-state' });
      const query = new URLSearchParams({
        client_id: web.client_id,
        request_uri: requestUri,
        state: 'query-state',
        redirect_uri: 'https://evil.example/cb',
        scope: 'openid iam:admin',
        response_type: 'token',
      });
      const response = await browser.get(`/authorize?${query.toString()}`);
      expect(response.statusCode).toBe(302);
      const location = new URL(response.location!);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
      expect(location.searchParams.get('state')).toBe('pushed-state');
      expect(location.searchParams.get('code')).toEqual(expect.any(String));
    });

    it('a request_uri is used once: the second use gets the error page', async () => {
      const requestUri = await push(web);
      const first = await sut.request({
        method: 'GET',
        url: authorizeUrl(web.client_id, requestUri),
      });
      expect(first.statusCode).toBe(302);
      expect(first.headers.location).toMatch(/^\/login\?interaction=/);
      const second = await sut.request({
        method: 'GET',
        url: authorizeUrl(web.client_id, requestUri),
      });
      expectErrorPage(second, INVALID_REQUEST_URI);
    });

    it('two concurrent uses: one goes on, the other gets the error page', async () => {
      const requestUri = await push(web);
      const answers = await Promise.all(
        [1, 2, 3].map(() =>
          sut.request({ method: 'GET', url: authorizeUrl(web.client_id, requestUri) }),
        ),
      );
      expect(answers.map((answer) => answer.statusCode).sort()).toEqual([302, 400, 400]);
    });

    it('an expired request_uri gets the error page', async () => {
      const requestUri = await push(web);
      clock.advance(61_000);
      expectErrorPage(
        await sut.request({ method: 'GET', url: authorizeUrl(web.client_id, requestUri) }),
        INVALID_REQUEST_URI,
      );
    });

    it('another client’s request_uri gets the error page, and stays usable by its owner', async () => {
      const requestUri = await push(web);
      expectErrorPage(
        await sut.request({ method: 'GET', url: authorizeUrl(other.client_id, requestUri) }),
        INVALID_REQUEST_URI,
      );
      const owner = await sut.request({
        method: 'GET',
        url: authorizeUrl(web.client_id, requestUri),
      });
      expect(owner.statusCode).toBe(302);
    });

    it('an unknown or malformed request_uri gets the error page', async () => {
      for (const requestUri of [
        'urn:ietf:params:oauth:request_uri:' + 'A'.repeat(43),
        'https://client.example/request.jwt',
        'urn:ietf:params:oauth:request_uri:' + 'x'.repeat(5000),
      ]) {
        expectErrorPage(
          await sut.request({ method: 'GET', url: authorizeUrl(web.client_id, requestUri) }),
          INVALID_REQUEST_URI,
        );
      }
    });

    it('a request_uri without client_id gets the error page', async () => {
      const requestUri = await push(web);
      expectErrorPage(
        await sut.request({
          method: 'GET',
          url: `/authorize?${new URLSearchParams({ request_uri: requestUri }).toString()}`,
        }),
        'client_id is missing',
      );
    });
  });

  describe('require_pushed_authorization_requests per client (§6)', () => {
    let required: TestClient;
    before(async () => {
      required = await createClient(sut, { require_pushed_authorization_requests: true });
    });

    it('the admin API shows it', async () => {
      const read = await sut.admin('GET', `/admin/clients/${required.client_id}`);
      expect(read.json().require_pushed_authorization_requests).toBe(true);
    });

    it('a direct /authorize goes back with invalid_request', async () => {
      const query = new URLSearchParams({ ...codeRequest(), client_id: required.client_id });
      const response = await sut.request({ method: 'GET', url: `/authorize?${query.toString()}` });
      expect(response.statusCode).toBe(302);
      const location = new URL(response.headers.location as string);
      expect(Object.fromEntries(location.searchParams)).toEqual({
        error: 'invalid_request',
        error_description: 'authorization requests must be pushed to /par (RFC 9126)',
        state: 'st-1',
        iss: ISSUER,
      });
    });

    it('through /par the flow completes', async () => {
      await signInForTokens(sut, required, user, { pushed: true });
    });
  });
});

describe('REQUIRE_PAR=true (RFC 9126 §5)', () => {
  let sut: TestApp;
  let user: TestUser;
  let web: TestClient;
  before(async () => {
    sut = await startTestApp({
      REQUIRE_PAR: 'true',
      PUSHED_AUTHORIZATION_REQUEST_LIFETIME: '30',
    });
    user = await createUser(sut);
    web = await createClient(sut);
  });
  after(() => sut.close());

  it('discovery says so', async () => {
    const response = await sut.request({
      method: 'GET',
      url: '/.well-known/openid-configuration',
    });
    expect(response.json()).toEqual(
      expect.objectContaining({
        pushed_authorization_request_endpoint: `${ISSUER}/par`,
        require_pushed_authorization_requests: true,
      }),
    );
  });

  it('a direct /authorize of any client goes back with invalid_request', async () => {
    const query = new URLSearchParams({ ...codeRequest(), client_id: web.client_id });
    const response = await sut.request({ method: 'GET', url: `/authorize?${query.toString()}` });
    expect(response.statusCode).toBe(302);
    expect(new URL(response.headers.location as string).searchParams.get('error')).toBe(
      'invalid_request',
    );
  });

  it('through /par the flow completes, with the configured lifetime', async () => {
    const pushed = await pushAuthorizationRequest(sut, web, codeRequest());
    expect(pushed.json().expires_in).toBe(30);
    await signInForTokens(sut, web, user, { pushed: true });
  });
});

describe('dynamic registration carries require_pushed_authorization_requests (RFC 9126 §6)', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({ REGISTRATION_MODE: 'open' });
  });
  after(() => sut.close());

  it('registered and answered', async () => {
    const response = await sut.request({
      method: 'POST',
      url: '/register',
      headers: { 'content-type': 'application/json' },
      payload: {
        client_name: 'pushing',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
        require_pushed_authorization_requests: true,
      },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().require_pushed_authorization_requests).toBe(true);
  });

  it('not a boolean: 400', async () => {
    const response = await sut.request({
      method: 'POST',
      url: '/register',
      headers: { 'content-type': 'application/json' },
      payload: {
        client_name: 'pushing',
        redirect_uris: [REDIRECT_URI],
        require_pushed_authorization_requests: 'yes',
      },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_client_metadata');
  });
});
