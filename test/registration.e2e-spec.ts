import { expect } from 'expect';
import { decodeJwt } from 'jose';
import { after, before, describe, it } from 'node:test';
import { basicAuth, InjectResult, startTestApp, TestApp } from './support/test-app';

const ISSUER = 'http://localhost:3000';
const INITIAL_ACCESS_TOKEN = 'initial-access-token-0123456789abcdefghijkl';

const M2M_METADATA = {
  client_name: 'registered service',
  grant_types: ['client_credentials'],
  scope: 'reports.read reports.write',
  token_endpoint_auth_method: 'client_secret_basic',
};

function register(
  sut: TestApp,
  body: object,
  headers: Record<string, string> = {},
): Promise<InjectResult> {
  return sut.request({
    method: 'POST',
    url: '/register',
    headers: { 'content-type': 'application/json', ...headers },
    payload: body,
  });
}

function manage(
  sut: TestApp,
  method: 'GET' | 'PUT' | 'DELETE',
  clientId: string,
  token: string,
  body?: object,
): Promise<InjectResult> {
  return sut.request({
    method,
    url: `/register/${clientId}`,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    payload: body,
  });
}

async function discovery(sut: TestApp): Promise<Record<string, unknown>> {
  const response = await sut.request({
    method: 'GET',
    url: '/.well-known/openid-configuration',
  });
  return response.json();
}

describe('dynamic registration, REGISTRATION_MODE=closed (the default)', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp();
  });
  after(() => sut.close());

  it('POST /register is 403 access_denied', async () => {
    const response = await register(sut, M2M_METADATA);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({
      error: 'access_denied',
      error_description: 'dynamic client registration is disabled',
    });
  });

  it('POST /register is 403 even with a Bearer token', async () => {
    const response = await register(sut, M2M_METADATA, {
      authorization: `Bearer ${INITIAL_ACCESS_TOKEN}`,
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toBe('access_denied');
  });

  it('discovery does not list a registration_endpoint', async () => {
    expect(await discovery(sut)).not.toHaveProperty('registration_endpoint');
  });
});

describe('dynamic registration, REGISTRATION_MODE=token (RFC 7591 §3 initial access token)', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({
      REGISTRATION_MODE: 'token',
      REGISTRATION_INITIAL_ACCESS_TOKEN: INITIAL_ACCESS_TOKEN,
    });
  });
  after(() => sut.close());

  const REJECTED = {
    error: 'invalid_token',
    error_description: 'a valid initial access token is required (RFC 7591 §3)',
  };

  it('without the initial access token: 401 invalid_token with a Bearer challenge', async () => {
    const response = await register(sut, M2M_METADATA);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(REJECTED);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  it('with a wrong initial access token: 401 invalid_token', async () => {
    const response = await register(sut, M2M_METADATA, {
      authorization: `Bearer ${INITIAL_ACCESS_TOKEN}x`,
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(REJECTED);
  });

  it('with the initial access token as a Basic credential: 401', async () => {
    const response = await register(sut, M2M_METADATA, {
      authorization: `Basic ${INITIAL_ACCESS_TOKEN}`,
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual(REJECTED);
  });

  it('with the right initial access token: 201', async () => {
    const response = await register(sut, M2M_METADATA, {
      authorization: `Bearer ${INITIAL_ACCESS_TOKEN}`,
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().client_id).toEqual(expect.any(String));
  });

  it('discovery lists the registration_endpoint', async () => {
    expect((await discovery(sut)).registration_endpoint).toBe(`${ISSUER}/register`);
  });
});

describe('dynamic registration, REGISTRATION_MODE=open (RFC 7591, RFC 7592)', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp({ REGISTRATION_MODE: 'open' });
  });
  after(() => sut.close());

  it('discovery lists the registration_endpoint', async () => {
    expect((await discovery(sut)).registration_endpoint).toBe(`${ISSUER}/register`);
  });

  describe('registration (RFC 7591 §3.2.1)', () => {
    it('201 with the client information response: credentials, registration token and metadata', async () => {
      const before = Math.floor(Date.now() / 1000);
      const response = await register(sut, M2M_METADATA);
      expect(response.statusCode).toBe(201);
      expect(response.headers['cache-control']).toBe('no-store');
      const body = response.json();
      expect(body).toEqual({
        client_id: expect.any(String),
        client_secret: expect.any(String),
        client_id_issued_at: expect.any(Number),
        client_secret_expires_at: 0,
        registration_access_token: expect.any(String),
        registration_client_uri: `${ISSUER}/register/${body.client_id}`,
        client_name: 'registered service',
        redirect_uris: [],
        grant_types: ['client_credentials'],
        response_types: [],
        scope: 'reports.read reports.write',
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
        tls_client_certificate_bound_access_tokens: false,
      });
      expect(body.client_id_issued_at).toBeGreaterThanOrEqual(before - 5);
      expect(body.client_id_issued_at).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 5);
      expect(body.client_id.length).toBeGreaterThanOrEqual(22);
      expect(body.client_secret.length).toBeGreaterThanOrEqual(43);
    });

    it('a confidential web client gets redirect_uris, authorization_code and response_types code', async () => {
      const response = await register(sut, {
        client_name: 'web',
        redirect_uris: ['https://app.example.com/callback', 'http://127.0.0.1:8080/cb'],
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({
        redirect_uris: ['https://app.example.com/callback', 'http://127.0.0.1:8080/cb'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
    });

    it('id_token_signed_response_alg (OIDC Dynamic Client Registration §2) is stored and echoed', async () => {
      for (const alg of ['ES256', 'EdDSA', 'RS256']) {
        const response = await register(sut, {
          client_name: 'web',
          redirect_uris: ['https://app.example.com/callback'],
          id_token_signed_response_alg: alg,
        });
        expect(response.statusCode).toBe(201);
        expect(response.json().id_token_signed_response_alg).toBe(alg);
        const read = await sut.admin('GET', `/admin/clients/${response.json().client_id}`);
        expect(read.json().id_token_signed_response_alg).toBe(alg);
      }
    });

    it('a client-chosen client_id is ignored (RFC 7591 §3.2.1: the server issues it)', async () => {
      const response = await register(sut, { ...M2M_METADATA, client_id: 'my-chosen-id' });
      expect(response.statusCode).toBe(201);
      expect(response.json().client_id).not.toBe('my-chosen-id');
      const read = await sut.admin('GET', '/admin/clients/my-chosen-id');
      expect(read.statusCode).toBe(404);
    });

    it('metadata the server does not understand is ignored (RFC 7591 §2)', async () => {
      const response = await register(sut, {
        ...M2M_METADATA,
        logo_uri: 'https://app.example.com/logo.png',
        software_id: 'abc',
        client_secret: 'chosen-secret',
        audience: ['https://api.example.com'],
      });
      expect(response.statusCode).toBe(201);
      const body = response.json();
      expect(body).not.toHaveProperty('logo_uri');
      expect(body).not.toHaveProperty('software_id');
      expect(body.client_secret).not.toBe('chosen-secret');
      const read = await sut.admin('GET', `/admin/clients/${body.client_id}`);
      expect(read.json().audience).toEqual([]);
    });

    for (const [name, uri] of [
      ['plain http on a host name', 'http://app.example.com/cb'],
      ['a fragment', 'https://app.example.com/cb#x'],
      ['a wildcard', 'https://*.example.com/cb'],
      ['javascript:', 'JavaScript:alert(1)'],
      ['a relative URI', '/cb'],
    ]) {
      it(`a redirect_uri with ${name} is 400 invalid_redirect_uri`, async () => {
        const response = await register(sut, { client_name: 'web', redirect_uris: [uri] });
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({
          error: 'invalid_redirect_uri',
          error_description: expect.stringMatching(/^redirect_uris\[0\]: /),
        });
      });
    }

    it('plain http on a host name names the loopback rule', async () => {
      const response = await register(sut, {
        client_name: 'web',
        redirect_uris: ['http://app.example.com/cb'],
      });
      expect(response.json()).toEqual({
        error: 'invalid_redirect_uri',
        error_description:
          'redirect_uris[0]: http is allowed only on a loopback IP literal such as 127.0.0.1 or [::1] (RFC 8252 §7.3)',
      });
    });

    it('authorization_code without redirect_uris is 400 invalid_redirect_uri', async () => {
      const response = await register(sut, { client_name: 'web' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_redirect_uri',
        error_description: 'redirect_uris: authorization_code needs at least one redirect URI',
      });
    });

    const SCOPE_SYNTAX = 'scope: must be space-separated scope tokens (RFC 6749 §3.3)';
    for (const [name, metadata, description] of [
      [
        'an unknown token_endpoint_auth_method',
        { ...M2M_METADATA, token_endpoint_auth_method: 'magic' },
        'token_endpoint_auth_method: must be one of the following values: client_secret_basic, client_secret_post, private_key_jwt, client_secret_jwt, tls_client_auth, self_signed_tls_client_auth, none',
      ],
      [
        'an id_token_signed_response_alg Gatehouse does not sign with',
        { ...M2M_METADATA, id_token_signed_response_alg: 'HS256' },
        'id_token_signed_response_alg: must be one of the following values: RS256, ES256, EdDSA',
      ],
      [
        'id_token_signed_response_alg none (unsigned ID tokens)',
        { ...M2M_METADATA, id_token_signed_response_alg: 'none' },
        'id_token_signed_response_alg: must be one of the following values: RS256, ES256, EdDSA',
      ],
      [
        'an unknown grant type',
        { ...M2M_METADATA, grant_types: ['password'] },
        'grant_types: each value in grant_types must be one of the following values: authorization_code, client_credentials, refresh_token',
      ],
      ['a scope that is not a string', { ...M2M_METADATA, scope: ['a'] }, SCOPE_SYNTAX],
      ['a scope with a quote', { ...M2M_METADATA, scope: 'a"b' }, SCOPE_SYNTAX],
      [
        'an empty client_name',
        { ...M2M_METADATA, client_name: '' },
        'client_name: must be longer than or equal to 1 characters',
      ],
      [
        'a public client asking for client_credentials',
        { ...M2M_METADATA, token_endpoint_auth_method: 'none' },
        'grant_types: public clients may not use client_credentials',
      ],
      [
        'jwks and jwks_uri together',
        {
          ...M2M_METADATA,
          jwks_uri: 'https://app.example.com/jwks',
          jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] },
        },
        'jwks: jwks and jwks_uri may not both be set',
      ],
      [
        'a private key in jwks',
        {
          ...M2M_METADATA,
          jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }] },
        },
        'jwks: must contain public keys only; private key members are not accepted',
      ],
    ] as const) {
      it(`${name} is 400 invalid_client_metadata`, async () => {
        const response = await register(sut, metadata);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({
          error: 'invalid_client_metadata',
          error_description: description,
        });
      });
    }

    it('a body that is not a JSON object is 400 invalid_client_metadata', async () => {
      const response = await sut.request({
        method: 'POST',
        url: '/register',
        headers: { 'content-type': 'application/json' },
        payload: '["a"]',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_client_metadata',
        error_description: 'the body must be a JSON object of client metadata',
      });
    });

    it('malformed JSON is 400 invalid_request, never 500', async () => {
      const response = await sut.request({
        method: 'POST',
        url: '/register',
        headers: { 'content-type': 'application/json' },
        payload: '{"client_name":',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('invalid_request');
    });

    it('a form body is 400 invalid_request: the request is JSON (RFC 7591 §3.1)', async () => {
      const response = await sut.postForm('/register', { client_name: 'x' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_request',
        error_description: 'the registration request must be application/json',
      });
    });

    it('scope iam:admin is 400 invalid_client_metadata: only an administrator grants it', async () => {
      const response = await register(sut, { ...M2M_METADATA, scope: 'reports.read iam:admin' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_client_metadata',
        error_description: 'scope iam:admin cannot be registered dynamically',
      });
    });

    it('the registered client_credentials client gets a token from /token', async () => {
      const registered = (await register(sut, M2M_METADATA)).json();
      const response = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials', scope: 'reports.read' },
        { authorization: basicAuth(registered.client_id, registered.client_secret) },
      );
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'reports.read',
      });
      expect(decodeJwt(response.json().access_token)).toMatchObject({
        sub: registered.client_id,
        client_id: registered.client_id,
      });
    });

    it('the registration access token is not an access token for the admin API', async () => {
      const registered = (await register(sut, M2M_METADATA)).json();
      const response = await sut.request({
        method: 'GET',
        url: '/admin/clients',
        headers: { authorization: `Bearer ${registered.registration_access_token}` },
      });
      expect(response.statusCode).toBe(401);
    });
  });

  describe('client configuration endpoint (RFC 7592)', () => {
    let registered: Record<string, any>;
    before(async () => {
      registered = (await register(sut, M2M_METADATA)).json();
    });

    it('GET with the registration access token: 200 with the current metadata, no secret', async () => {
      const response = await manage(
        sut,
        'GET',
        registered.client_id,
        registered.registration_access_token,
      );
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.json()).toEqual({
        client_id: registered.client_id,
        client_id_issued_at: registered.client_id_issued_at,
        registration_client_uri: registered.registration_client_uri,
        client_name: 'registered service',
        redirect_uris: [],
        grant_types: ['client_credentials'],
        response_types: [],
        scope: 'reports.read reports.write',
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
        tls_client_certificate_bound_access_tokens: false,
      });
    });

    it('GET with a wrong registration access token: 401 invalid_token', async () => {
      const response = await manage(sut, 'GET', registered.client_id, 'wrong-token');
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        error: 'invalid_token',
        error_description: 'the registration access token is invalid',
      });
      expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
    });

    it("GET with another client's registration access token: 401, like an unknown client", async () => {
      const other = (await register(sut, M2M_METADATA)).json();
      const wrongOwner = await manage(
        sut,
        'GET',
        registered.client_id,
        other.registration_access_token,
      );
      const unknown = await manage(sut, 'GET', 'no-such-client', other.registration_access_token);
      expect(wrongOwner.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(wrongOwner.body).toBe(unknown.body);
    });

    it('GET without a token: 401', async () => {
      const response = await sut.request({
        method: 'GET',
        url: `/register/${registered.client_id}`,
      });
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toBe('invalid_token');
    });

    it('a client created through the admin API cannot be managed through /register', async () => {
      const created = await sut.admin('POST', '/admin/clients', {
        client_name: 'admin-made',
        client_type: 'm2m',
      });
      const response = await manage(
        sut,
        'GET',
        created.json().client_id,
        registered.registration_access_token,
      );
      expect(response.statusCode).toBe(401);
    });

    it('PUT with a client_id that differs from the URL is 400 invalid_client_metadata', async () => {
      const response = await manage(
        sut,
        'PUT',
        registered.client_id,
        registered.registration_access_token,
        { ...M2M_METADATA, client_id: 'someone-else' },
      );
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_client_metadata',
        error_description: 'client_id in the body must match the client being updated',
      });
    });

    it('PUT without client_id in the body is 400 invalid_client_metadata (RFC 7592 §2.2)', async () => {
      const response = await manage(
        sut,
        'PUT',
        registered.client_id,
        registered.registration_access_token,
        M2M_METADATA,
      );
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('invalid_client_metadata');
    });

    it('PUT with a wrong registration access token is 401', async () => {
      const response = await manage(sut, 'PUT', registered.client_id, 'wrong-token', {
        ...M2M_METADATA,
        client_id: registered.client_id,
      });
      expect(response.statusCode).toBe(401);
    });

    it('PUT with iam:admin in scope is 400 invalid_client_metadata', async () => {
      const response = await manage(
        sut,
        'PUT',
        registered.client_id,
        registered.registration_access_token,
        { ...M2M_METADATA, client_id: registered.client_id, scope: 'iam:admin' },
      );
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_client_metadata',
        error_description: 'scope iam:admin cannot be registered dynamically',
      });
    });

    it('PUT replaces the metadata; the secret and registration access token keep working', async () => {
      const response = await manage(
        sut,
        'PUT',
        registered.client_id,
        registered.registration_access_token,
        {
          client_id: registered.client_id,
          client_name: 'renamed service',
          grant_types: ['client_credentials'],
          scope: 'reports.read',
        },
      );
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.json()).toEqual({
        client_id: registered.client_id,
        client_id_issued_at: registered.client_id_issued_at,
        registration_client_uri: registered.registration_client_uri,
        client_name: 'renamed service',
        redirect_uris: [],
        grant_types: ['client_credentials'],
        response_types: [],
        scope: 'reports.read',
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
        tls_client_certificate_bound_access_tokens: false,
      });

      const read = await manage(
        sut,
        'GET',
        registered.client_id,
        registered.registration_access_token,
      );
      expect(read.json().client_name).toBe('renamed service');

      const credentials = {
        authorization: basicAuth(registered.client_id, registered.client_secret),
      };
      const token = await sut.postForm('/token', { grant_type: 'client_credentials' }, credentials);
      expect(token.statusCode).toBe(200);
      expect(token.json().scope).toBe('reports.read');
      const dropped = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials', scope: 'reports.write' },
        credentials,
      );
      expect(dropped.statusCode).toBe(400);
      expect(dropped.json().error).toBe('invalid_scope');
    });

    it('DELETE with a wrong token is 401 and deletes nothing', async () => {
      const response = await manage(sut, 'DELETE', registered.client_id, 'wrong-token');
      expect(response.statusCode).toBe(401);
      const read = await manage(
        sut,
        'GET',
        registered.client_id,
        registered.registration_access_token,
      );
      expect(read.statusCode).toBe(200);
    });

    it('DELETE is 204; then GET is 401 and the client gets no more tokens', async () => {
      const removed = await manage(
        sut,
        'DELETE',
        registered.client_id,
        registered.registration_access_token,
      );
      expect(removed.statusCode).toBe(204);
      expect(removed.body).toBe('');

      const read = await manage(
        sut,
        'GET',
        registered.client_id,
        registered.registration_access_token,
      );
      expect(read.statusCode).toBe(401);
      expect(read.json()).toEqual({
        error: 'invalid_token',
        error_description: 'the registration access token is invalid',
      });

      const token = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(registered.client_id, registered.client_secret) },
      );
      expect(token.statusCode).toBe(401);
      expect(token.json().error).toBe('invalid_client');
    });
  });
});
