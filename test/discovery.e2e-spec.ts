import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { startTestApp, TestApp } from './support/test-app';

const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'client_secret_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
];
const ASSERTION_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'HS256',
  'HS384',
  'HS512',
];
const ISSUER = 'http://localhost:3000';

/** RFC 7517 / RFC 7518 §6: members that only private keys (or symmetric keys) carry. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

describe('discovery, JWKS, health and API docs', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp();
  });
  after(() => sut.close());

  const get = (url: string, headers: Record<string, string> = {}) =>
    sut.request({ method: 'GET', url, headers });

  describe('server metadata (OIDC Discovery 1.0 §4, RFC 8414 §3)', () => {
    const EXPECTED = {
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      userinfo_endpoint: `${ISSUER}/userinfo`,
      jwks_uri: `${ISSUER}/jwks`,
      end_session_endpoint: `${ISSUER}/logout`,
      scopes_supported: ['openid', 'profile', 'email', 'offline_access', 'iam:admin', 'iam:check'],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'],
      token_endpoint_auth_methods_supported: AUTH_METHODS,
      token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
      introspection_endpoint: `${ISSUER}/introspect`,
      introspection_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
        'client_secret_jwt',
        'tls_client_auth',
        'self_signed_tls_client_auth',
      ],
      introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
      revocation_endpoint: `${ISSUER}/revoke`,
      revocation_endpoint_auth_methods_supported: AUTH_METHODS,
      revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
      pushed_authorization_request_endpoint: `${ISSUER}/par`,
      require_pushed_authorization_requests: false,
      code_challenge_methods_supported: ['S256'],
      tls_client_certificate_bound_access_tokens: true,
      mtls_endpoint_aliases: {
        token_endpoint: `${ISSUER}/token`,
        introspection_endpoint: `${ISSUER}/introspect`,
        revocation_endpoint: `${ISSUER}/revoke`,
        userinfo_endpoint: `${ISSUER}/userinfo`,
        pushed_authorization_request_endpoint: `${ISSUER}/par`,
      },
      dpop_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
      prompt_values_supported: ['none', 'login', 'consent'],
      acr_values_supported: ['urn:gatehouse:acr:password', 'urn:gatehouse:acr:mfa'],
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'amr',
        'acr',
        'nonce',
        'azp',
        'at_hash',
        'preferred_username',
        'name',
        'given_name',
        'family_name',
        'updated_at',
        'email',
        'email_verified',
      ],
      authorization_response_iss_parameter_supported: true,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      service_documentation: `${ISSUER}/docs`,
    };

    for (const path of [
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
    ]) {
      it(`${path} answers the exact metadata document, readable from any origin`, async () => {
        const response = await get(path, { origin: 'https://elsewhere.example.com' });
        expect(response.statusCode).toBe(200);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(response.headers['access-control-allow-origin']).toBe('*');
        expect(response.json()).toEqual(EXPECTED);
      });
    }

    it('every endpoint the document names is served: none answers 404 to both GET and POST', async () => {
      const urls = Object.entries(EXPECTED).flatMap(([name, value]) =>
        typeof value === 'string' && value.startsWith(`${ISSUER}/`) && name !== 'issuer'
          ? [[name, new URL(value).pathname] as const]
          : [],
      );
      const aliases = Object.values(EXPECTED.mtls_endpoint_aliases).map(
        (url) => ['mtls_endpoint_aliases', new URL(url).pathname] as const,
      );
      expect(urls.map(([name]) => name)).toEqual([
        'authorization_endpoint',
        'token_endpoint',
        'userinfo_endpoint',
        'jwks_uri',
        'end_session_endpoint',
        'introspection_endpoint',
        'revocation_endpoint',
        'pushed_authorization_request_endpoint',
        'service_documentation',
      ]);
      const missing: string[] = [];
      for (const [name, path] of [...urls, ...aliases]) {
        const answers = await Promise.all(
          ['GET', 'POST'].map((method) => sut.request({ method, url: path })),
        );
        if (answers.every((answer) => answer.statusCode === 404)) missing.push(`${name} ${path}`);
      }
      expect(missing).toEqual([]);
    });

    it('both well-known paths answer byte-identical documents', async () => {
      const oidc = await get('/.well-known/openid-configuration');
      const rfc8414 = await get('/.well-known/oauth-authorization-server');
      expect(oidc.body).toBe(rfc8414.body);
    });

    it('the metadata is built on ISSUER, its path kept and a trailing slash dropped', async () => {
      const other = await startTestApp({ ISSUER: 'https://id.example.com/tenant/' });
      try {
        const body = (
          await other.request({ method: 'GET', url: '/.well-known/openid-configuration' })
        ).json();
        expect(body).toMatchObject({
          issuer: 'https://id.example.com/tenant',
          token_endpoint: 'https://id.example.com/tenant/token',
          jwks_uri: 'https://id.example.com/tenant/jwks',
        });
      } finally {
        await other.close();
      }
    });
  });

  describe('GET /jwks (RFC 7517)', () => {
    it('publishes an ES256, an EdDSA and an RS256 key, each with kid, alg and use sig, readable from any origin', async () => {
      const response = await get('/jwks');
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/jwk-set\+json/);
      expect(response.headers['access-control-allow-origin']).toBe('*');
      const { keys } = response.json();
      expect(Object.keys(response.json())).toEqual(['keys']);
      for (const key of keys) {
        expect(key).toEqual(
          expect.objectContaining({ kid: expect.any(String), alg: expect.any(String), use: 'sig' }),
        );
      }
      const es256 = keys.filter((key: { alg: string }) => key.alg === 'ES256');
      const rs256 = keys.filter((key: { alg: string }) => key.alg === 'RS256');
      const eddsa = keys.filter((key: { alg: string }) => key.alg === 'EdDSA');
      expect(keys).toHaveLength(3);
      expect(es256).toHaveLength(1);
      expect(rs256).toHaveLength(1);
      expect(eddsa).toHaveLength(1);
      expect(eddsa[0]).toEqual({
        kty: 'OKP',
        crv: 'Ed25519',
        x: expect.any(String),
        kid: expect.any(String),
        alg: 'EdDSA',
        use: 'sig',
      });
      expect(es256[0]).toEqual({
        kty: 'EC',
        crv: 'P-256',
        x: expect.any(String),
        y: expect.any(String),
        kid: expect.any(String),
        alg: 'ES256',
        use: 'sig',
      });
      expect(rs256[0]).toEqual({
        kty: 'RSA',
        n: expect.any(String),
        e: 'AQAB',
        kid: expect.any(String),
        alg: 'RS256',
        use: 'sig',
      });
      expect(new Set(keys.map((key: { kid: string }) => key.kid)).size).toBe(keys.length);
    });

    it('never publishes a private key member', async () => {
      const { keys } = (await get('/jwks')).json();
      for (const key of keys) {
        for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
      }
    });

    it('the keys are the same on every request', async () => {
      expect((await get('/jwks')).body).toBe((await get('/jwks')).body);
    });
  });

  describe('health', () => {
    it('GET /health/live is 200 while the process runs', async () => {
      const response = await get('/health/live');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
    });

    it('GET /health/ready is 200 while the database answers and decisions can be made', async () => {
      const response = await get('/health/ready');
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.json()).toEqual({
        status: 'ok',
        checks: {
          database: 'up',
          access_state: 'up',
          revocation_list: 'up',
          change_notifications: 'up',
        },
      });
    });
  });

  describe('API docs (OpenAPI)', () => {
    it('GET /docs serves the Swagger UI as HTML', async () => {
      const response = await get('/docs');
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body).toMatch(/swagger/i);
    });

    it('GET /docs-json documents /token, /admin/clients, /register and /jwks with schemas and security schemes', async () => {
      const response = await get('/docs-json');
      expect(response.statusCode).toBe(200);
      const document = response.json();
      expect(document.openapi).toMatch(/^3\./);
      for (const path of [
        '/token',
        '/admin/clients',
        '/admin/clients/{client_id}',
        '/admin/clients/{client_id}/secret',
        '/register',
        '/register/{client_id}',
        '/jwks',
        '/.well-known/openid-configuration',
        '/.well-known/oauth-authorization-server',
        '/health/live',
        '/health/ready',
      ]) {
        expect(Object.keys(document.paths)).toContain(path);
      }
      expect(document.components.securitySchemes.bearer).toEqual({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
      });
      expect(document.components.securitySchemes.client_secret_basic).toMatchObject({
        type: 'http',
        scheme: 'basic',
      });
      expect(document.paths['/token'].post.requestBody.content).toHaveProperty(
        'application/x-www-form-urlencoded',
      );
      const tokenForm =
        document.paths['/token'].post.requestBody.content['application/x-www-form-urlencoded']
          .schema;
      const tokenRequest = document.components.schemas[tokenForm.$ref.split('/').pop()];
      expect(tokenRequest.properties.grant_type.enum).toEqual([
        'authorization_code',
        'refresh_token',
        'client_credentials',
      ]);
      for (const field of ['code', 'redirect_uri', 'code_verifier', 'refresh_token']) {
        expect(Object.keys(tokenRequest.properties)).toContain(field);
      }
      expect(document.paths['/admin/clients'].post.security).toEqual([{ bearer: [] }]);
      expect(
        document.paths['/admin/clients'].post.requestBody.content['application/json'].schema,
      ).toEqual({ $ref: '#/components/schemas/CreateClientDto' });
      expect(document.components.schemas.CreateClientDto.required).toEqual(['client_name']);
    });

    it('GET /docs-json documents the decision routes served ahead of Fastify', async () => {
      const document = (await get('/docs-json')).json();
      const check = document.paths['/access/check'];
      expect(Object.keys(check)).toEqual(['post']);
      expect(check.post.security).toEqual([{ bearer: [] }]);
      expect(check.post.requestBody.content['application/json'].schema.required).toEqual([
        'resource',
        'action',
      ]);
      expect(Object.keys(check.post.responses)).toEqual(['200', '400', '413', '415', '503']);
      const methods = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];
      for (const path of ['/access/gateway', '/access/gateway/{path}']) {
        expect(Object.keys(document.paths[path])).toEqual(methods);
        expect(Object.keys(document.paths[path].get.responses)).toEqual([
          '200',
          '401',
          '403',
          '503',
        ]);
      }
      expect(document.paths['/access/gateway/{path}'].get.parameters).toEqual([
        { name: 'path', in: 'path', required: true, schema: { type: 'string' } },
      ]);
    });
  });
});
