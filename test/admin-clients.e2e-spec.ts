import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import {
  ADMIN_CLIENT_ID,
  basicAuth,
  InjectResult,
  startTestApp,
  TestApp,
} from './support/test-app';

/** Every field a client view has (docs/endpoints.md, Admin API), and nothing else: no secret, no hash. */
const VIEW_KEYS = [
  'access_token_lifetime',
  'allowed_cors_origins',
  'always_issue_refresh_token',
  'attributes',
  'audience',
  'client_id',
  'client_name',
  'client_type',
  'created_at',
  'dpop_bound_access_tokens',
  'grant_types',
  'id_token_signed_response_alg',
  'jwks',
  'jwks_uri',
  'post_logout_redirect_uris',
  'redirect_uris',
  'refresh_token_lifetime',
  'require_pushed_authorization_requests',
  'response_types',
  'scope',
  'status',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_email',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_uri',
  'tls_client_auth_subject_dn',
  'tls_client_certificate_bound_access_tokens',
  'token_endpoint_auth_method',
  'token_endpoint_auth_signing_alg',
  'updated_at',
];

const ISO_TIME = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
/** At least 128 bits of base64url. */
const CLIENT_ID = expect.stringMatching(/^[A-Za-z0-9_-]{22,}$/);
/** At least 256 bits of base64url. */
const CLIENT_SECRET = expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/);

/** An EC P-256 public key (RFC 7517 §A.1). */
const PUBLIC_JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4',
  y: '4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM',
  kid: 'client-key-1',
};

const WEB = {
  client_name: 'Invoice web app',
  client_type: 'confidential',
  redirect_uris: ['https://app.example.com/callback'],
};
const SPA = {
  client_name: 'Invoice SPA',
  client_type: 'public',
  redirect_uris: ['https://spa.example.com/callback'],
};
const SERVICE = { client_name: 'Invoice worker', client_type: 'm2m', scope: 'invoices.read' };

/** The admin API's validation error (docs/endpoints.md, Admin API), its message naming the first field. */
function validationError(details: { field: string; problem: string }[]) {
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  return {
    error: 'invalid_request',
    message: `${details[0].field}: ${details[0].problem}${more}`,
    details,
  };
}

function notFound(clientId: string) {
  return { error: 'not_found', message: `client ${clientId} not found` };
}

const INVALID_CLIENT = {
  error: 'invalid_client',
  error_description:
    'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
};

describe('admin API: clients', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp();
  });
  after(() => sut.close());

  const create = async (body: object): Promise<InjectResult> =>
    sut.admin('POST', '/admin/clients', body);
  const createOk = async (body: object): Promise<Record<string, any>> => {
    const response = await create(body);
    expect(response.statusCode).toBe(201);
    return response.json();
  };
  const clientCredentials = (clientId: string, secret: string) =>
    sut.postForm(
      '/token',
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(clientId, secret) },
    );
  const expectInvalidClient = (response: InjectResult) => {
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Basic realm="gatehouse", charset="UTF-8"');
    expect(response.json()).toEqual(INVALID_CLIENT);
  };
  /** A client view: the creation answer without the secret fields. */
  const viewOf = (created: Record<string, any>) => {
    const view = { ...created };
    delete view.client_secret;
    delete view.client_secret_expires_at;
    return view;
  };

  describe('POST /admin/clients', () => {
    it('creates a public client with no secret and the public defaults', async () => {
      const response = await create(SPA);
      expect(response.statusCode).toBe(201);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      const body = response.json();
      expect(body).toEqual({
        client_id: CLIENT_ID,
        client_secret_expires_at: 0,
        client_name: 'Invoice SPA',
        client_type: 'public',
        redirect_uris: ['https://spa.example.com/callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        scope: '',
        audience: [],
        token_endpoint_auth_method: 'none',
        token_endpoint_auth_signing_alg: null,
        jwks_uri: null,
        jwks: null,
        allowed_cors_origins: [],
        id_token_signed_response_alg: 'RS256',
        post_logout_redirect_uris: [],
        always_issue_refresh_token: false,
        attributes: {},
        require_pushed_authorization_requests: false,
        dpop_bound_access_tokens: false,
        access_token_lifetime: 900,
        refresh_token_lifetime: null,
        status: 'active',
        tls_client_auth_subject_dn: null,
        tls_client_auth_san_dns: null,
        tls_client_auth_san_uri: null,
        tls_client_auth_san_ip: null,
        tls_client_auth_san_email: null,
        tls_client_certificate_bound_access_tokens: false,
        created_at: ISO_TIME,
        updated_at: ISO_TIME,
      });
      expect(body).not.toHaveProperty('client_secret');
    });

    it('creates a confidential client with a secret shown once and the confidential defaults', async () => {
      const body = await createOk(WEB);
      expect(body).toEqual({
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        client_secret_expires_at: 0,
        client_name: 'Invoice web app',
        client_type: 'confidential',
        redirect_uris: ['https://app.example.com/callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        scope: '',
        audience: [],
        token_endpoint_auth_method: 'client_secret_basic',
        token_endpoint_auth_signing_alg: null,
        jwks_uri: null,
        jwks: null,
        allowed_cors_origins: [],
        id_token_signed_response_alg: 'RS256',
        post_logout_redirect_uris: [],
        always_issue_refresh_token: false,
        attributes: {},
        require_pushed_authorization_requests: false,
        dpop_bound_access_tokens: false,
        access_token_lifetime: 900,
        refresh_token_lifetime: null,
        status: 'active',
        tls_client_auth_subject_dn: null,
        tls_client_auth_san_dns: null,
        tls_client_auth_san_uri: null,
        tls_client_auth_san_ip: null,
        tls_client_auth_san_email: null,
        tls_client_certificate_bound_access_tokens: false,
        created_at: ISO_TIME,
        updated_at: ISO_TIME,
      });
    });

    it('creates an m2m client with a secret and only client_credentials', async () => {
      const body = await createOk(SERVICE);
      expect(body).toEqual({
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        client_secret_expires_at: 0,
        client_name: 'Invoice worker',
        client_type: 'm2m',
        redirect_uris: [],
        grant_types: ['client_credentials'],
        response_types: [],
        scope: 'invoices.read',
        audience: [],
        token_endpoint_auth_method: 'client_secret_basic',
        token_endpoint_auth_signing_alg: null,
        jwks_uri: null,
        jwks: null,
        allowed_cors_origins: [],
        id_token_signed_response_alg: 'RS256',
        post_logout_redirect_uris: [],
        always_issue_refresh_token: false,
        attributes: {},
        require_pushed_authorization_requests: false,
        dpop_bound_access_tokens: false,
        access_token_lifetime: 900,
        refresh_token_lifetime: null,
        status: 'active',
        tls_client_auth_subject_dn: null,
        tls_client_auth_san_dns: null,
        tls_client_auth_san_uri: null,
        tls_client_auth_san_ip: null,
        tls_client_auth_san_email: null,
        tls_client_certificate_bound_access_tokens: false,
        created_at: ISO_TIME,
        updated_at: ISO_TIME,
      });
    });

    it('stores every metadata field given and echoes it back', async () => {
      const body = await createOk({
        client_name: 'Full client',
        client_type: 'confidential',
        redirect_uris: ['https://app.example.com/a', 'http://127.0.0.1:8080/cb'],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        response_types: ['code'],
        scope: 'openid invoices.read invoices.write',
        audience: ['https://api.example.com', 'urn:example:invoices'],
        token_endpoint_auth_method: 'client_secret_post',
        allowed_cors_origins: ['https://app.example.com', 'http://localhost:5173'],
        id_token_signed_response_alg: 'ES256',
        post_logout_redirect_uris: [],
        always_issue_refresh_token: false,
        attributes: {},
        require_pushed_authorization_requests: false,
        dpop_bound_access_tokens: false,
        access_token_lifetime: 600,
        refresh_token_lifetime: 86400,
      });
      expect(body).toEqual({
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        client_secret_expires_at: 0,
        client_name: 'Full client',
        client_type: 'confidential',
        redirect_uris: ['https://app.example.com/a', 'http://127.0.0.1:8080/cb'],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        response_types: ['code'],
        scope: 'openid invoices.read invoices.write',
        audience: ['https://api.example.com', 'urn:example:invoices'],
        token_endpoint_auth_method: 'client_secret_post',
        token_endpoint_auth_signing_alg: null,
        jwks_uri: null,
        jwks: null,
        allowed_cors_origins: ['https://app.example.com', 'http://localhost:5173'],
        id_token_signed_response_alg: 'ES256',
        post_logout_redirect_uris: [],
        always_issue_refresh_token: false,
        attributes: {},
        require_pushed_authorization_requests: false,
        dpop_bound_access_tokens: false,
        access_token_lifetime: 600,
        refresh_token_lifetime: 86400,
        status: 'active',
        tls_client_auth_subject_dn: null,
        tls_client_auth_san_dns: null,
        tls_client_auth_san_uri: null,
        tls_client_auth_san_ip: null,
        tls_client_auth_san_email: null,
        tls_client_certificate_bound_access_tokens: false,
        created_at: ISO_TIME,
        updated_at: ISO_TIME,
      });
    });

    it('gives a private_key_jwt client no secret and keeps its public JWK Set', async () => {
      const body = await createOk({
        ...WEB,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [PUBLIC_JWK] },
      });
      expect(body).not.toHaveProperty('client_secret');
      expect(body).toMatchObject({
        client_type: 'confidential',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [PUBLIC_JWK] },
        jwks_uri: null,
      });
    });

    it('derives the type from the metadata when client_type is absent', async () => {
      const pub = await createOk({
        client_name: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1/cb'],
      });
      const m2m = await createOk({ client_name: 'job', grant_types: ['client_credentials'] });
      const web = await createOk({ client_name: 'web', redirect_uris: ['https://a.example/cb'] });
      expect([pub.client_type, m2m.client_type, web.client_type]).toEqual([
        'public',
        'm2m',
        'confidential',
      ]);
      expect(pub).not.toHaveProperty('client_secret');
      expect(m2m.client_secret).toEqual(CLIENT_SECRET);
      expect(web.client_secret).toEqual(CLIENT_SECRET);
    });

    it('generates a different client_id and secret for every client', async () => {
      const first = await createOk(SERVICE);
      const second = await createOk(SERVICE);
      expect(second.client_id).not.toBe(first.client_id);
      expect(second.client_secret).not.toBe(first.client_secret);
    });

    it('issues a secret that authenticates at /token', async () => {
      const { client_id, client_secret } = await createOk(SERVICE);
      const token = await clientCredentials(client_id, client_secret);
      expect(token.statusCode).toBe(200);
      expect(token.json()).toMatchObject({ token_type: 'Bearer', scope: 'invoices.read' });
    });

    it('accepts http redirect URIs on loopback IP literals (RFC 8252 §7.3)', async () => {
      const body = await createOk({
        ...WEB,
        redirect_uris: ['http://127.0.0.1:8080/cb', 'http://[::1]/cb', 'http://127.0.0.1/cb'],
      });
      expect(body.redirect_uris).toEqual([
        'http://127.0.0.1:8080/cb',
        'http://[::1]/cb',
        'http://127.0.0.1/cb',
      ]);
    });

    it('refuses a client_secret chosen by the caller: the server makes every secret', async () => {
      const response = await create({ ...SERVICE, client_secret: 'my-own-secret' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(
        validationError([{ field: 'client_secret', problem: 'should not exist' }]),
      );
    });
  });

  describe('POST /admin/clients validation: each rule is a 400 naming the field', () => {
    const loopbackProblem =
      'http is allowed only on a loopback IP literal such as 127.0.0.1 or [::1] (RFC 8252 §7.3)';
    const schemeProblem = 'must not use the javascript:, data:, vbscript: or file: scheme';
    const redirectCases: [string, string, string][] = [
      ['a relative URI', '/callback', 'must be an absolute URI'],
      ['http on a non-loopback host', 'http://app.example.com/cb', loopbackProblem],
      ['http://localhost (a name, not an IP literal)', 'http://localhost:8080/cb', loopbackProblem],
      [
        'a fragment',
        'https://app.example.com/cb#done',
        'must not contain a fragment (RFC 6749 §3.1.2)',
      ],
      ['a wildcard host', 'https://*.example.com/cb', 'must not contain a wildcard'],
      ['a wildcard path', 'https://app.example.com/*', 'must not contain a wildcard'],
      ['javascript:', 'javascript:alert(1)', schemeProblem],
      ['JavaScript: in mixed case', 'JavaScript:alert(1)', schemeProblem],
      ['DATA: in upper case', 'DATA:text/html;base64,PHNjcmlwdD4=', schemeProblem],
      ['data:', 'data:text/html,<script>alert(1)</script>', schemeProblem],
      [
        'a non-http scheme',
        'ftp://files.example.com/cb',
        'must use https (or http on a loopback IP literal)',
      ],
    ];
    for (const [what, uri, problem] of redirectCases) {
      it(`rejects a redirect URI with ${what}`, async () => {
        const response = await create({
          ...WEB,
          redirect_uris: ['https://app.example.com/ok', uri],
        });
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual(validationError([{ field: 'redirect_uris[1]', problem }]));
      });
    }

    const cases: [string, object, { field: string; problem: string }[]][] = [
      [
        'a public client with a secret method',
        { ...SPA, token_endpoint_auth_method: 'client_secret_basic' },
        [{ field: 'token_endpoint_auth_method', problem: 'public clients must use none' }],
      ],
      [
        'a public client with client_credentials',
        { ...SPA, grant_types: ['authorization_code', 'client_credentials'] },
        [{ field: 'grant_types', problem: 'public clients may not use client_credentials' }],
      ],
      [
        'an m2m client with authorization_code',
        {
          ...SERVICE,
          grant_types: ['client_credentials', 'authorization_code'],
          response_types: ['code'],
        },
        [
          { field: 'grant_types', problem: 'm2m clients have only client_credentials' },
          {
            field: 'redirect_uris',
            problem: 'authorization_code needs at least one redirect URI',
          },
        ],
      ],
      [
        'an m2m client with redirect URIs',
        { ...SERVICE, redirect_uris: ['https://app.example.com/cb'] },
        [{ field: 'redirect_uris', problem: 'm2m clients have no redirect URIs' }],
      ],
      [
        'a confidential client with none',
        { ...WEB, token_endpoint_auth_method: 'none' },
        [
          {
            field: 'token_endpoint_auth_method',
            problem: 'confidential clients must authenticate; none is for public clients',
          },
        ],
      ],
      [
        'an m2m client with none',
        { ...SERVICE, token_endpoint_auth_method: 'none' },
        [
          {
            field: 'token_endpoint_auth_method',
            problem: 'm2m clients must authenticate; none is for public clients',
          },
        ],
      ],
      [
        'authorization_code without redirect URIs',
        { client_name: 'web', client_type: 'confidential' },
        [{ field: 'redirect_uris', problem: 'authorization_code needs at least one redirect URI' }],
      ],
      [
        'refresh_token without authorization_code',
        {
          ...SERVICE,
          client_type: 'confidential',
          grant_types: ['client_credentials', 'refresh_token'],
        },
        [{ field: 'grant_types', problem: 'refresh_token needs authorization_code' }],
      ],
      [
        'response type code without authorization_code',
        { ...SERVICE, response_types: ['code'] },
        [
          {
            field: 'response_types',
            problem: 'response type code goes with, and only with, the authorization_code grant',
          },
        ],
      ],
      [
        'jwks and jwks_uri together',
        {
          ...WEB,
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [PUBLIC_JWK] },
          jwks_uri: 'https://app.example.com/jwks.json',
        },
        [{ field: 'jwks', problem: 'jwks and jwks_uri may not both be set' }],
      ],
      [
        'private_key_jwt without keys',
        { ...WEB, token_endpoint_auth_method: 'private_key_jwt' },
        [
          {
            field: 'token_endpoint_auth_method',
            problem: 'private_key_jwt needs jwks or jwks_uri',
          },
        ],
      ],
      [
        'jwks with a private key member',
        {
          ...WEB,
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [{ ...PUBLIC_JWK, d: '870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE' }] },
        },
        [
          {
            field: 'jwks',
            problem: 'must contain public keys only; private key members are not accepted',
          },
        ],
      ],
      [
        'jwks with a symmetric key',
        {
          ...WEB,
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] },
        },
        [{ field: 'jwks', problem: 'key type oct is not an asymmetric key type' }],
      ],
      [
        'jwks without keys',
        { ...WEB, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [] } },
        [
          {
            field: 'jwks',
            problem: 'must be a JWK Set with a non-empty "keys" array (RFC 7517 §5)',
          },
        ],
      ],
      [
        'a jwks_uri that is not https',
        {
          ...WEB,
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: null,
          jwks_uri: 'http://app.example.com/jwks.json',
        },
        [{ field: 'jwks_uri', problem: 'must be an https URL' }],
      ],
      [
        'a scope with two spaces in a row',
        { ...SERVICE, scope: 'invoices.read  invoices.write' },
        [{ field: 'scope', problem: 'must be space-separated scope tokens (RFC 6749 §3.3)' }],
      ],
      [
        'a scope with a double quote',
        { ...SERVICE, scope: 'invoices:"read"' },
        [{ field: 'scope', problem: 'must be space-separated scope tokens (RFC 6749 §3.3)' }],
      ],
      [
        'a scope with a leading space',
        { ...SERVICE, scope: ' invoices.read' },
        [{ field: 'scope', problem: 'must be space-separated scope tokens (RFC 6749 §3.3)' }],
      ],
      [
        'a CORS origin with a path',
        { ...SPA, allowed_cors_origins: ['https://spa.example.com/app'] },
        [
          {
            field: 'allowed_cors_origins[0]',
            problem: 'must be an origin only: scheme, host and port, no path or trailing slash',
          },
        ],
      ],
      [
        'a CORS origin with a trailing slash',
        { ...SPA, allowed_cors_origins: ['https://spa.example.com', 'https://spa.example.com/'] },
        [
          {
            field: 'allowed_cors_origins[1]',
            problem: 'must be an origin only: scheme, host and port, no path or trailing slash',
          },
        ],
      ],
      [
        'a CORS origin without a scheme',
        { ...SPA, allowed_cors_origins: ['spa.example.com'] },
        [
          {
            field: 'allowed_cors_origins[0]',
            problem: 'must be an origin such as https://app.example.com',
          },
        ],
      ],
      [
        'an audience that is not an absolute URI',
        { ...SERVICE, audience: ['invoices-api'] },
        [{ field: 'audience[0]', problem: 'must be an absolute URI (RFC 8707 §2)' }],
      ],
      [
        'an audience with a fragment',
        { ...SERVICE, audience: ['https://api.example.com/#v1'] },
        [{ field: 'audience[0]', problem: 'must not contain a fragment (RFC 8707 §2)' }],
      ],
      [
        'an access token lifetime under 60 s',
        { ...SERVICE, access_token_lifetime: 59 },
        [{ field: 'access_token_lifetime', problem: 'must not be less than 60' }],
      ],
      [
        'an access token lifetime over a day',
        { ...SERVICE, access_token_lifetime: 86401 },
        [{ field: 'access_token_lifetime', problem: 'must not be greater than 86400' }],
      ],
      [
        'a refresh token lifetime under 60 s',
        { ...WEB, refresh_token_lifetime: 59 },
        [{ field: 'refresh_token_lifetime', problem: 'must not be less than 60' }],
      ],
      [
        'a refresh token lifetime over a year',
        { ...WEB, refresh_token_lifetime: 31536001 },
        [{ field: 'refresh_token_lifetime', problem: 'must not be greater than 31536000' }],
      ],
      [
        'a fractional lifetime',
        { ...SERVICE, access_token_lifetime: 90.5 },
        [{ field: 'access_token_lifetime', problem: 'must be an integer number' }],
      ],
      [
        'an unknown field',
        { ...SERVICE, logo_color: 'red' },
        [{ field: 'logo_color', problem: 'should not exist' }],
      ],
      [
        'a client_id chosen by the caller',
        { ...SERVICE, client_id: 'my-own-id' },
        [{ field: 'client_id', problem: 'should not exist' }],
      ],
      [
        'an unknown client type',
        { ...SERVICE, client_type: 'service' },
        [
          {
            field: 'client_type',
            problem: 'must be one of the following values: public, confidential, m2m',
          },
        ],
      ],
      [
        'an unknown status',
        { ...SERVICE, status: 'paused' },
        [{ field: 'status', problem: 'must be one of the following values: active, disabled' }],
      ],
      [
        'a JWK Set given as a string',
        { ...WEB, token_endpoint_auth_method: 'private_key_jwt', jwks: 'keys' },
        [{ field: 'jwks', problem: 'must be an object' }],
      ],
      [
        'an empty client_name',
        { ...SERVICE, client_name: '' },
        [
          {
            field: 'client_name',
            problem: 'must be longer than or equal to 1 characters',
          },
        ],
      ],
    ];
    for (const [what, body, details] of cases) {
      it(`rejects ${what}`, async () => {
        const response = await create(body);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual(validationError(details));
      });
    }

    const typeCases: [string, object, string][] = [
      ['client_name as a number', { ...SERVICE, client_name: 5 }, 'client_name'],
      [
        'redirect_uris as a string',
        { ...WEB, redirect_uris: 'https://a.example/cb' },
        'redirect_uris',
      ],
      ['redirect_uris holding a number', { ...WEB, redirect_uris: [42] }, 'redirect_uris'],
      [
        'grant_types with an unknown grant',
        { ...SERVICE, grant_types: ['password'] },
        'grant_types',
      ],
      [
        'a lifetime given as a string',
        { ...SERVICE, access_token_lifetime: '900' },
        'access_token_lifetime',
      ],
      ['scope as an array', { ...SERVICE, scope: ['invoices.read'] }, 'scope'],
      [
        'dpop_bound_access_tokens as a string (RFC 9449 §5.2: a boolean)',
        { ...SERVICE, dpop_bound_access_tokens: 'true' },
        'dpop_bound_access_tokens',
      ],
      ['audience as a string', { ...SERVICE, audience: 'https://api.example.com' }, 'audience'],
      [
        'allowed_cors_origins as an object',
        { ...SPA, allowed_cors_origins: { a: 1 } },
        'allowed_cors_origins',
      ],
    ];
    for (const [what, body, field] of typeCases) {
      it(`rejects ${what} and names only that field`, async () => {
        const response = await create(body);
        expect(response.statusCode).toBe(400);
        const json = response.json();
        expect(json).toEqual({
          error: 'invalid_request',
          message: expect.stringMatching(new RegExp(`^${field}: `)),
          details: expect.any(Array),
        });
        expect(json.details.length).toBeGreaterThan(0);
        for (const detail of json.details) {
          expect(detail).toEqual({ field, problem: expect.any(String) });
        }
      });
    }

    it('rejects a missing client_name', async () => {
      const response = await create({ client_type: 'm2m' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(
        validationError([
          {
            field: 'client_name',
            problem: 'must be longer than or equal to 1 characters',
          },
          { field: 'client_name', problem: 'must be a string' },
        ]),
      );
    });

    it('reports every problem at once, not just the first', async () => {
      const response = await create({
        client_name: 'many problems',
        client_type: 'public',
        token_endpoint_auth_method: 'client_secret_post',
        redirect_uris: ['http://app.example.com/cb'],
        audience: ['not a uri'],
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(
        validationError([
          { field: 'redirect_uris[0]', problem: loopbackProblem },
          { field: 'audience[0]', problem: 'must be an absolute URI (RFC 8707 §2)' },
          { field: 'token_endpoint_auth_method', problem: 'public clients must use none' },
        ]),
      );
    });

    it('creates nothing when validation fails', async () => {
      const before = await sut.admin('GET', '/admin/clients?limit=1');
      await create({ ...SERVICE, redirect_uris: ['https://app.example.com/cb'] });
      const afterward = await sut.admin('GET', '/admin/clients?limit=1');
      expect(afterward.headers['x-total-count']).toBe(before.headers['x-total-count']);
    });
  });

  describe('GET /admin/clients and /admin/clients/{client_id}', () => {
    it('pages with limit and offset and counts all clients in X-Total-Count', async () => {
      const start = Number((await sut.admin('GET', '/admin/clients')).headers['x-total-count']);
      const a = await createOk({ ...SERVICE, client_name: 'page a' });
      const b = await createOk({ ...SERVICE, client_name: 'page b' });
      const c = await createOk({ ...SERVICE, client_name: 'page c' });

      const first = await sut.admin('GET', `/admin/clients?limit=2&offset=${start}`);
      expect(first.statusCode).toBe(200);
      expect(first.headers['x-total-count']).toBe(String(start + 3));
      expect(first.json()).toEqual([viewOf(a), viewOf(b)]);

      const rest = await sut.admin('GET', `/admin/clients?limit=2&offset=${start + 2}`);
      expect(rest.statusCode).toBe(200);
      expect(rest.json()).toEqual([viewOf(c)]);

      const past = await sut.admin('GET', `/admin/clients?offset=${start + 3}`);
      expect(past.statusCode).toBe(200);
      expect(past.headers['x-total-count']).toBe(String(start + 3));
      expect(past.json()).toEqual([]);
    });

    it('lists at most 50 clients by default, the bootstrap admin client first', async () => {
      const count = async () =>
        Number((await sut.admin('GET', '/admin/clients?limit=1')).headers['x-total-count']);
      for (let total = await count(); total <= 50; total++) {
        await createOk({ ...SERVICE, client_name: `filler ${total}` });
      }
      const response = await sut.admin('GET', '/admin/clients');
      expect(response.statusCode).toBe(200);
      expect(Number(response.headers['x-total-count'])).toBeGreaterThan(50);
      const items = response.json<{ client_id: string }[]>();
      expect(items.length).toBe(50);
      expect(items[0]).toMatchObject({
        client_id: ADMIN_CLIENT_ID,
        client_type: 'confidential',
        grant_types: ['client_credentials'],
        scope: 'iam:admin iam:check',
      });
    });

    it('never shows a secret or its hash in the list', async () => {
      const created = await createOk(SERVICE);
      const response = await sut.admin('GET', '/admin/clients?limit=200');
      expect(response.statusCode).toBe(200);
      for (const item of response.json()) expect(Object.keys(item).sort()).toEqual(VIEW_KEYS);
      expect(response.body).not.toContain(created.client_secret);
      expect(response.body).not.toMatch(/\$2[aby]\$/);
    });

    const badPages: [string, { field: string; problem: string }[]][] = [
      ['limit=0', [{ field: 'limit', problem: 'must not be less than 1' }]],
      ['limit=201', [{ field: 'limit', problem: 'must not be greater than 200' }]],
      ['limit=1.5', [{ field: 'limit', problem: 'must be an integer number' }]],
      ['offset=-1', [{ field: 'offset', problem: 'must not be less than 0' }]],
      ['limit=2&sort=name', [{ field: 'sort', problem: 'should not exist' }]],
    ];
    for (const [query, details] of badPages) {
      it(`rejects ?${query} with 400`, async () => {
        const response = await sut.admin('GET', `/admin/clients?${query}`);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual(validationError(details));
      });
    }

    it('rejects a limit that is not a number with 400 naming limit', async () => {
      const response = await sut.admin('GET', '/admin/clients?limit=ten');
      expect(response.statusCode).toBe(400);
      const json = response.json();
      expect(json).toEqual({
        error: 'invalid_request',
        message: expect.stringMatching(/^limit: /),
        details: expect.arrayContaining([{ field: 'limit', problem: 'must be an integer number' }]),
      });
      for (const detail of json.details) expect(detail.field).toBe('limit');
    });

    it('reads one client: exactly the view fields, never the secret or its hash', async () => {
      const created = await createOk(WEB);
      const response = await sut.admin('GET', `/admin/clients/${created.client_id}`);
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(Object.keys(body).sort()).toEqual(VIEW_KEYS);
      expect(body).toEqual(viewOf(created));
      expect(response.body).not.toContain(created.client_secret);
      expect(response.body).not.toMatch(/\$2[aby]\$/);
    });

    it('answers 404 for an unknown client_id', async () => {
      const response = await sut.admin('GET', '/admin/clients/no-such-client');
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual(notFound('no-such-client'));
    });
  });

  describe('PATCH /admin/clients/{client_id}', () => {
    it('changes metadata and keeps the fields it does not name', async () => {
      const created = await createOk(WEB);
      const response = await sut.admin('PATCH', `/admin/clients/${created.client_id}`, {
        client_name: 'Renamed',
        redirect_uris: ['https://app.example.com/new-callback'],
        scope: 'openid invoices.read',
        access_token_lifetime: 300,
      });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body).toEqual({
        ...viewOf(created),
        client_name: 'Renamed',
        redirect_uris: ['https://app.example.com/new-callback'],
        scope: 'openid invoices.read',
        access_token_lifetime: 300,
        updated_at: ISO_TIME,
      });
      expect(Date.parse(body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
      const read = await sut.admin('GET', `/admin/clients/${created.client_id}`);
      expect(read.json()).toEqual(body);
    });

    it('does not issue a new secret when the client already has one', async () => {
      const created = await createOk(SERVICE);
      const response = await sut.admin('PATCH', `/admin/clients/${created.client_id}`, {
        client_name: 'still m2m',
      });
      expect(response.statusCode).toBe(200);
      expect(Object.keys(response.json()).sort()).toEqual(VIEW_KEYS);
      expect((await clientCredentials(created.client_id, created.client_secret)).statusCode).toBe(
        200,
      );
    });

    it('re-validates the client as a whole: removing the last redirect URI of a code client fails', async () => {
      const created = await createOk(WEB);
      const response = await sut.admin('PATCH', `/admin/clients/${created.client_id}`, {
        redirect_uris: [],
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(
        validationError([
          { field: 'redirect_uris', problem: 'authorization_code needs at least one redirect URI' },
        ]),
      );
      const read = await sut.admin('GET', `/admin/clients/${created.client_id}`);
      expect(read.json()).toEqual(viewOf(created));
    });

    it('re-validates the client as a whole: an m2m client cannot gain redirect URIs', async () => {
      const created = await createOk(SERVICE);
      const response = await sut.admin('PATCH', `/admin/clients/${created.client_id}`, {
        redirect_uris: ['https://app.example.com/cb'],
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(
        validationError([{ field: 'redirect_uris', problem: 'm2m clients have no redirect URIs' }]),
      );
    });

    it('keeps a public client public when it only adds a grant', async () => {
      const created = await createOk(SPA);
      const response = await sut.admin('PATCH', `/admin/clients/${created.client_id}`, {
        grant_types: ['authorization_code', 'refresh_token'],
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        ...viewOf(created),
        grant_types: ['authorization_code', 'refresh_token'],
        updated_at: ISO_TIME,
      });
    });

    it('refuses client_credentials for a public client on update too', async () => {
      const created = await createOk(SPA);
      const response = await sut.admin('PATCH', `/admin/clients/${created.client_id}`, {
        grant_types: ['authorization_code', 'client_credentials'],
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(
        validationError([
          { field: 'grant_types', problem: 'public clients may not use client_credentials' },
        ]),
      );
    });

    it('rejects unknown fields and wrong types on update', async () => {
      const created = await createOk(SERVICE);
      const unknown = await sut.admin('PATCH', `/admin/clients/${created.client_id}`, {
        client_secret: 'chosen',
      });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json()).toEqual(
        validationError([{ field: 'client_secret', problem: 'should not exist' }]),
      );
      const wrongType = await sut.admin('PATCH', `/admin/clients/${created.client_id}`, {
        status: true,
      });
      expect(wrongType.statusCode).toBe(400);
      expect(wrongType.json()).toEqual(
        validationError([
          { field: 'status', problem: 'must be one of the following values: active, disabled' },
        ]),
      );
    });

    it('disables a client: its /token attempts get 401 invalid_client; re-enabling restores them', async () => {
      const { client_id, client_secret } = await createOk(SERVICE);
      expect((await clientCredentials(client_id, client_secret)).statusCode).toBe(200);

      const disabled = await sut.admin('PATCH', `/admin/clients/${client_id}`, {
        status: 'disabled',
      });
      expect(disabled.statusCode).toBe(200);
      expect(disabled.json()).toMatchObject({ client_id, status: 'disabled' });
      expectInvalidClient(await clientCredentials(client_id, client_secret));
      const viaPost = await sut.postForm('/token', {
        grant_type: 'client_credentials',
        client_id,
        client_secret,
      });
      expect(viaPost.statusCode).toBe(401);
      expect(viaPost.json()).toEqual(INVALID_CLIENT);
      expect((await sut.admin('GET', `/admin/clients/${client_id}`)).json().status).toBe(
        'disabled',
      );

      const enabled = await sut.admin('PATCH', `/admin/clients/${client_id}`, {
        status: 'active',
      });
      expect(enabled.statusCode).toBe(200);
      expect(enabled.json()).toMatchObject({ client_id, status: 'active' });
      expect((await clientCredentials(client_id, client_secret)).statusCode).toBe(200);
    });

    it('changing a public client to confidential returns a new secret once, and it works', async () => {
      const created = await createOk(SPA);
      const response = await sut.admin('PATCH', `/admin/clients/${created.client_id}`, {
        client_type: 'confidential',
        grant_types: ['authorization_code', 'client_credentials'],
      });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body).toEqual({
        ...viewOf(created),
        client_type: 'confidential',
        grant_types: ['authorization_code', 'client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        client_secret: CLIENT_SECRET,
        client_secret_expires_at: 0,
        updated_at: ISO_TIME,
      });
      expect((await clientCredentials(created.client_id, body.client_secret)).statusCode).toBe(200);

      const again = await sut.admin('PATCH', `/admin/clients/${created.client_id}`, {
        client_name: 'now confidential',
      });
      expect(again.statusCode).toBe(200);
      expect(again.json()).not.toHaveProperty('client_secret');
      const read = await sut.admin('GET', `/admin/clients/${created.client_id}`);
      expect(Object.keys(read.json()).sort()).toEqual(VIEW_KEYS);
    });

    it('changing a confidential client to public drops its secret', async () => {
      const created = await createOk({
        ...WEB,
        grant_types: ['authorization_code', 'client_credentials'],
      });
      const response = await sut.admin('PATCH', `/admin/clients/${created.client_id}`, {
        client_type: 'public',
        grant_types: ['authorization_code'],
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        client_type: 'public',
        token_endpoint_auth_method: 'none',
      });
      expect(response.json()).not.toHaveProperty('client_secret');
      expectInvalidClient(await clientCredentials(created.client_id, created.client_secret));
    });

    it('answers 404 for an unknown client_id', async () => {
      const response = await sut.admin('PATCH', '/admin/clients/no-such-client', {
        status: 'disabled',
      });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual(notFound('no-such-client'));
    });
  });

  describe('DELETE /admin/clients/{client_id}', () => {
    it('deletes with 204; the client is gone from reads, /token and a second DELETE', async () => {
      const { client_id, client_secret } = await createOk(SERVICE);
      expect((await clientCredentials(client_id, client_secret)).statusCode).toBe(200);

      const deleted = await sut.admin('DELETE', `/admin/clients/${client_id}`);
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');

      const read = await sut.admin('GET', `/admin/clients/${client_id}`);
      expect(read.statusCode).toBe(404);
      expect(read.json()).toEqual(notFound(client_id));
      expectInvalidClient(await clientCredentials(client_id, client_secret));

      const again = await sut.admin('DELETE', `/admin/clients/${client_id}`);
      expect(again.statusCode).toBe(404);
      expect(again.json()).toEqual(notFound(client_id));
    });
  });

  describe('POST /admin/clients/{client_id}/secret', () => {
    it('rotates: 200 with the new secret once; the old one fails at /token, the new one works', async () => {
      const { client_id, client_secret: oldSecret } = await createOk(SERVICE);
      expect((await clientCredentials(client_id, oldSecret)).statusCode).toBe(200);

      const rotated = await sut.admin('POST', `/admin/clients/${client_id}/secret`);
      expect(rotated.statusCode).toBe(200);
      const body = rotated.json();
      expect(body).toEqual({
        client_id,
        client_secret: CLIENT_SECRET,
        client_secret_expires_at: 0,
      });
      expect(body.client_secret).not.toBe(oldSecret);

      expectInvalidClient(await clientCredentials(client_id, oldSecret));
      expect((await clientCredentials(client_id, body.client_secret)).statusCode).toBe(200);
      const read = await sut.admin('GET', `/admin/clients/${client_id}`);
      expect(read.body).not.toContain(body.client_secret);
    });

    it('refuses to rotate for a public client, which has no secret', async () => {
      const { client_id } = await createOk(SPA);
      const response = await sut.admin('POST', `/admin/clients/${client_id}/secret`);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(
        validationError([
          {
            field: 'token_endpoint_auth_method',
            problem: 'clients using none have no secret to rotate',
          },
        ]),
      );
    });

    it('answers 404 for an unknown client_id', async () => {
      const response = await sut.admin('POST', '/admin/clients/no-such-client/secret');
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual(notFound('no-such-client'));
    });
  });
});
