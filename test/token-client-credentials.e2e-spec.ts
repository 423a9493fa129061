import { expect } from 'expect';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { after, before, describe, it } from 'node:test';
import { basicAuth, InjectResult, startTestApp, TestApp } from './support/test-app';

const ISSUER = 'http://localhost:3000';
const API = 'https://api.example.com';
const BILLING = 'https://billing.example.com';

interface Credentials {
  client_id: string;
  client_secret: string;
}

const INVALID_CLIENT = {
  error: 'invalid_client',
  error_description:
    'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
};

describe('POST /token with client_credentials (RFC 6749 §4.4)', () => {
  let sut: TestApp;
  /** m2m, client_secret_basic, two scopes, two registered audiences. */
  let basic: Credentials;
  /** m2m, client_secret_post, no audience. */
  let post: Credentials;
  /** m2m with access_token_lifetime 120. */
  let short: Credentials;
  /** confidential, authorization_code only. */
  let codeOnly: Credentials;
  /** m2m, disabled through the admin API. */
  let disabled: Credentials;

  async function register(metadata: object): Promise<Credentials> {
    const created = await sut.admin('POST', '/admin/clients', metadata);
    expect(created.statusCode).toBe(201);
    const { client_id, client_secret } = created.json();
    return { client_id, client_secret };
  }

  const withBasic = (client: Credentials, form: Record<string, string | string[]>) =>
    sut.postForm('/token', form, {
      authorization: basicAuth(client.client_id, client.client_secret),
    });

  const withPost = (client: Credentials, form: Record<string, string | string[]>) =>
    sut.postForm('/token', { ...form, ...client });

  function expectOAuthError(
    response: InjectResult,
    status: number,
    body: { error: string; error_description: string },
  ): void {
    expect({ status: response.statusCode, body: response.json() }).toEqual({ status, body });
    expect(response.headers['cache-control']).toBe('no-store');
  }

  before(async () => {
    sut = await startTestApp();
    basic = await register({
      client_name: 'basic',
      client_type: 'm2m',
      scope: 'invoices.read invoices.write',
      audience: [API, BILLING],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    post = await register({
      client_name: 'post',
      client_type: 'm2m',
      scope: 'reports.read',
      token_endpoint_auth_method: 'client_secret_post',
    });
    short = await register({
      client_name: 'short',
      client_type: 'm2m',
      scope: 'a',
      access_token_lifetime: 120,
    });
    codeOnly = await register({
      client_name: 'web app',
      client_type: 'confidential',
      grant_types: ['authorization_code'],
      redirect_uris: ['https://app.example.com/callback'],
      scope: 'a',
    });
    disabled = await register({ client_name: 'disabled', client_type: 'm2m', scope: 'a' });
    const patched = await sut.admin('PATCH', `/admin/clients/${disabled.client_id}`, {
      status: 'disabled',
    });
    expect(patched.statusCode).toBe(200);
  });
  after(() => sut.close());

  describe('success', () => {
    it('client_secret_basic: 200 with exactly access_token, token_type, expires_in, scope and no-store headers', async () => {
      const response = await withBasic(basic, { grant_type: 'client_credentials' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['pragma']).toBe('no-cache');
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.json()).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'invoices.read invoices.write',
      });
    });

    it('client_secret_post: 200 with the same shape and no refresh_token (RFC 6749 §4.4.3)', async () => {
      const response = await withPost(post, { grant_type: 'client_credentials' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['pragma']).toBe('no-cache');
      expect(response.json()).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'reports.read',
      });
      expect(response.json()).not.toHaveProperty('refresh_token');
    });

    it('the access token is an RFC 9068 JWT: typ at+jwt, ES256, a kid published in /jwks', async () => {
      const response = await withBasic(basic, { grant_type: 'client_credentials' });
      const header = decodeProtectedHeader(response.json().access_token);
      expect(header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });
      const jwks = (await sut.request({ method: 'GET', url: '/jwks' })).json();
      const published = jwks.keys.find((key: { kid: string }) => key.kid === header.kid);
      expect(published).toMatchObject({ kid: header.kid, alg: 'ES256', use: 'sig', kty: 'EC' });
    });

    it('claims are exactly iss sub aud client_id scope iat exp jti, with sub = client_id (RFC 9068 §2.2)', async () => {
      const response = await withBasic(basic, { grant_type: 'client_credentials' });
      const claims = decodeJwt(response.json().access_token);
      expect(Object.keys(claims).sort()).toEqual(
        ['aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'scope', 'sub'].sort(),
      );
      expect(claims).toEqual({
        iss: ISSUER,
        sub: basic.client_id,
        aud: [API, BILLING],
        client_id: basic.client_id,
        scope: 'invoices.read invoices.write',
        iat: expect.any(Number),
        exp: expect.any(Number),
        jti: expect.any(String),
      });
      expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(60);
    });

    it('every token has its own jti', async () => {
      const first = decodeJwt(
        (await withBasic(basic, { grant_type: 'client_credentials' })).json().access_token,
      );
      const second = decodeJwt(
        (await withBasic(basic, { grant_type: 'client_credentials' })).json().access_token,
      );
      expect(first.jti).not.toBe(second.jti);
    });

    it('lifetime defaults to 900 s: exp - iat = expires_in = 900', async () => {
      const response = await withPost(post, { grant_type: 'client_credentials' });
      const claims = decodeJwt(response.json().access_token);
      expect(claims.exp! - claims.iat!).toBe(900);
    });

    it("a client's access_token_lifetime 120 gives exp - iat = expires_in = 120", async () => {
      const response = await withBasic(short, { grant_type: 'client_credentials' });
      expect(response.statusCode).toBe(200);
      expect(response.json().expires_in).toBe(120);
      const claims = decodeJwt(response.json().access_token);
      expect(claims.exp! - claims.iat!).toBe(120);
    });

    it('unknown parameters are ignored (RFC 6749 §3.2)', async () => {
      const response = await withBasic(basic, {
        grant_type: 'client_credentials',
        scope: 'invoices.read',
        foo: 'bar',
        state: 'x',
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().scope).toBe('invoices.read');
    });

    it('a client_id in the body that matches the Basic header is accepted', async () => {
      const response = await withBasic(basic, {
        grant_type: 'client_credentials',
        client_id: basic.client_id,
      });
      expect(response.statusCode).toBe(200);
    });
  });

  describe('scope (RFC 6749 §3.3)', () => {
    it('no scope asked means the registered scopes', async () => {
      const response = await withBasic(basic, { grant_type: 'client_credentials' });
      expect(response.json().scope).toBe('invoices.read invoices.write');
      expect(decodeJwt(response.json().access_token).scope).toBe('invoices.read invoices.write');
    });

    it('a subset of the registered scopes is granted as asked', async () => {
      const response = await withBasic(basic, {
        grant_type: 'client_credentials',
        scope: 'invoices.write',
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().scope).toBe('invoices.write');
      expect(decodeJwt(response.json().access_token).scope).toBe('invoices.write');
    });

    it('a scope outside the registered ones is 400 invalid_scope', async () => {
      const response = await withBasic(basic, {
        grant_type: 'client_credentials',
        scope: 'invoices.read iam:admin',
      });
      expectOAuthError(response, 400, {
        error: 'invalid_scope',
        error_description: 'the client may not request iam:admin',
      });
    });
  });

  describe('audience (RFC 8707 resource)', () => {
    it('a resource registered for the client becomes aud', async () => {
      const response = await withBasic(basic, {
        grant_type: 'client_credentials',
        resource: API,
      });
      expect(response.statusCode).toBe(200);
      expect(decodeJwt(response.json().access_token).aud).toBe(API);
    });

    it('two resources give an aud array', async () => {
      const response = await withBasic(basic, {
        grant_type: 'client_credentials',
        resource: [BILLING, API],
      });
      expect(response.statusCode).toBe(200);
      expect(decodeJwt(response.json().access_token).aud).toEqual([BILLING, API]);
    });

    it('a resource not registered for the client is 400 invalid_target', async () => {
      const response = await withBasic(basic, {
        grant_type: 'client_credentials',
        resource: 'https://other.example.com',
      });
      expectOAuthError(response, 400, {
        error: 'invalid_target',
        error_description: 'the client may not request the resource https://other.example.com',
      });
    });

    it('a resource that is not an absolute URI is 400 invalid_request', async () => {
      const response = await withBasic(basic, {
        grant_type: 'client_credentials',
        resource: 'api',
      });
      expectOAuthError(response, 400, {
        error: 'invalid_request',
        error_description: 'resource must be an absolute URI (RFC 8707 §2)',
      });
    });

    it("no resource means the client's registered audience", async () => {
      const response = await withBasic(basic, { grant_type: 'client_credentials' });
      expect(decodeJwt(response.json().access_token).aud).toEqual([API, BILLING]);
    });

    it('no resource and no registered audience means the issuer', async () => {
      const response = await withPost(post, { grant_type: 'client_credentials' });
      expect(decodeJwt(response.json().access_token).aud).toBe(ISSUER);
    });
  });

  describe('client authentication failures (RFC 6749 §2.3, §5.2)', () => {
    it('an unknown client and a wrong secret get byte-identical 401 invalid_client with a Basic challenge', async () => {
      const unknown = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth('no-such-client', basic.client_secret) },
      );
      const wrong = await withBasic(
        { client_id: basic.client_id, client_secret: `${basic.client_secret}x` },
        { grant_type: 'client_credentials' },
      );
      expectOAuthError(unknown, 401, INVALID_CLIENT);
      expect(wrong.statusCode).toBe(401);
      expect(wrong.body).toBe(unknown.body);
      expect(unknown.headers['www-authenticate']).toMatch(/^Basic /);
      expect(wrong.headers['www-authenticate']).toBe(unknown.headers['www-authenticate']);
    });

    it('with client_secret_post, an unknown client and a wrong secret get the same 401 without WWW-Authenticate', async () => {
      const unknown = await sut.postForm('/token', {
        grant_type: 'client_credentials',
        client_id: 'no-such-client',
        client_secret: post.client_secret,
      });
      const wrong = await withPost(
        { client_id: post.client_id, client_secret: 'wrong' },
        { grant_type: 'client_credentials' },
      );
      expectOAuthError(unknown, 401, INVALID_CLIENT);
      expect(wrong.statusCode).toBe(401);
      expect(wrong.body).toBe(unknown.body);
      expect(unknown.headers).not.toHaveProperty('www-authenticate');
      expect(wrong.headers).not.toHaveProperty('www-authenticate');
    });

    it('a Basic header and client_secret in the body together are 400 invalid_request', async () => {
      const response = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials', client_secret: basic.client_secret },
        { authorization: basicAuth(basic.client_id, basic.client_secret) },
      );
      expectOAuthError(response, 400, {
        error: 'invalid_request',
        error_description: 'use exactly one client authentication method per request',
      });
    });

    it('a body client_id that differs from the Basic header is 400 invalid_request', async () => {
      const response = await withBasic(basic, {
        grant_type: 'client_credentials',
        client_id: post.client_id,
      });
      expectOAuthError(response, 400, {
        error: 'invalid_request',
        error_description: 'client_id in the body differs from the Authorization header',
      });
    });

    it('client_secret_post by a client registered for client_secret_basic is 401 invalid_client', async () => {
      const response = await withPost(basic, { grant_type: 'client_credentials' });
      expectOAuthError(response, 401, INVALID_CLIENT);
      expect(response.headers).not.toHaveProperty('www-authenticate');
    });

    it('client_secret_basic by a client registered for client_secret_post is 401 invalid_client with a Basic challenge', async () => {
      const response = await withBasic(post, { grant_type: 'client_credentials' });
      expectOAuthError(response, 401, INVALID_CLIENT);
      expect(response.headers['www-authenticate']).toMatch(/^Basic /);
    });

    for (const [name, header] of [
      ['not base64', 'Basic !!!'],
      ['no colon', `Basic ${Buffer.from('just-an-id').toString('base64')}`],
      ['an empty client_id', `Basic ${Buffer.from(':secret').toString('base64')}`],
      ['bad percent-encoding', `Basic ${Buffer.from('id:%zz').toString('base64')}`],
      ['another scheme', 'Bearer abc'],
    ]) {
      it(`a malformed Authorization header (${name}) is 401 invalid_client with a Basic challenge`, async () => {
        const response = await sut.postForm(
          '/token',
          { grant_type: 'client_credentials' },
          { authorization: header },
        );
        expectOAuthError(response, 401, INVALID_CLIENT);
        expect(response.headers['www-authenticate']).toMatch(/^Basic /);
      });
    }

    it('no client authentication at all is 401 invalid_client', async () => {
      const response = await sut.postForm('/token', { grant_type: 'client_credentials' });
      expectOAuthError(response, 401, INVALID_CLIENT);
    });

    it('a disabled client gets 401 invalid_client, the same body as a wrong secret', async () => {
      const response = await withBasic(disabled, { grant_type: 'client_credentials' });
      expectOAuthError(response, 401, INVALID_CLIENT);
      expect(response.headers['www-authenticate']).toMatch(/^Basic /);
    });
  });

  describe('grant and request checks', () => {
    it('a client not registered for client_credentials is 400 unauthorized_client', async () => {
      const response = await withBasic(codeOnly, { grant_type: 'client_credentials' });
      expectOAuthError(response, 400, {
        error: 'unauthorized_client',
        error_description: 'the client is not allowed the client_credentials grant',
      });
    });

    it('an unknown grant_type is 400 unsupported_grant_type', async () => {
      const response = await withBasic(basic, { grant_type: 'password' });
      expectOAuthError(response, 400, {
        error: 'unsupported_grant_type',
        error_description: 'grant_type password is not supported',
      });
    });

    it('a missing grant_type is 400 invalid_request', async () => {
      const response = await withBasic(basic, { scope: 'invoices.read' });
      expectOAuthError(response, 400, {
        error: 'invalid_request',
        error_description: 'grant_type is required',
      });
    });

    for (const name of ['grant_type', 'scope']) {
      it(`a repeated ${name} parameter is 400 invalid_request (RFC 6749 §3.2)`, async () => {
        const form: Record<string, string | string[]> = {
          grant_type: 'client_credentials',
          scope: 'invoices.read',
        };
        form[name] = [form[name] as string, form[name] as string];
        const response = await withBasic(basic, form);
        expectOAuthError(response, 400, {
          error: 'invalid_request',
          error_description: `${name}: is repeated`,
        });
      });
    }

    it('a repeated client_secret is 400 invalid_request', async () => {
      const response = await sut.postForm('/token', {
        grant_type: 'client_credentials',
        client_id: post.client_id,
        client_secret: [post.client_secret, post.client_secret],
      });
      expectOAuthError(response, 400, {
        error: 'invalid_request',
        error_description: 'client_secret: is repeated',
      });
    });

    it('a JSON body is 400 invalid_request (RFC 6749 §3.2 requires a form)', async () => {
      const response = await sut.request({
        method: 'POST',
        url: '/token',
        headers: {
          'content-type': 'application/json',
          authorization: basicAuth(basic.client_id, basic.client_secret),
        },
        payload: { grant_type: 'client_credentials' },
      });
      expectOAuthError(response, 400, {
        error: 'invalid_request',
        error_description: 'the request must be application/x-www-form-urlencoded (RFC 6749 §3.2)',
      });
    });

    it('GET /token is not a token request: 404, never 200', async () => {
      const response = await sut.request({
        method: 'GET',
        url: '/token?grant_type=client_credentials',
      });
      expect(response.statusCode).toBe(404);
    });
  });
});
