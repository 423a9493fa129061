import { expect } from 'expect';
import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { basicAuth, InjectResult, startTestApp, TestApp } from './support/test-app';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const INVALID_CLIENT = {
  error: 'invalid_client',
  error_description:
    'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
};
/** Many failed authentications in a row are the point here, not the rate limits. */
const GENEROUS_LIMITS = {
  RATE_LIMIT_PER_CLIENT: '100000',
  RATE_LIMIT_PER_IP: '100000',
  CLIENT_AUTH_MAX_FAILURES: '1000',
};

const now = () => Math.floor(Date.now() / 1000);

/** RFC 7523 §3 claims for `clientId`; an override of `undefined` leaves the claim out. */
function claimsFor(
  clientId: string,
  audience: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    iss: clientId,
    sub: clientId,
    aud: audience,
    jti: randomUUID(),
    iat: now(),
    exp: now() + 60,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}

/** An HMAC assertion keyed with the secret's UTF-8 octets (RFC 7523 §2.2, OIDC Core §9). */
function hmac(secret: string, claims: Record<string, unknown>, alg = 'HS256'): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));
}

function authenticate(sut: TestApp, assertion: string, path = '/token'): Promise<InjectResult> {
  return sut.postForm(path, {
    ...(path === '/token' ? { grant_type: 'client_credentials' } : { token: 'not-a-token' }),
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: assertion,
  });
}

function expectInvalidClient(response: InjectResult): void {
  expect({ status: response.statusCode, body: response.json() }).toEqual({
    status: 401,
    body: INVALID_CLIENT,
  });
  expect(response.headers['www-authenticate']).toBeUndefined();
}

function expectToken(response: InjectResult): void {
  expect({ status: response.statusCode, body: response.json() }).toEqual({
    status: 200,
    body: {
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'jobs',
    },
  });
}

function validationError(field: string, problem: string) {
  return {
    error: 'invalid_request',
    message: `${field}: ${problem}`,
    details: [{ field, problem }],
  };
}

interface Registered {
  clientId: string;
  secret: string;
}

async function registerSecretJwtClient(
  sut: TestApp,
  extra: Record<string, unknown> = {},
): Promise<Registered> {
  const response = await sut.admin('POST', '/admin/clients', {
    client_name: 'hmac service',
    client_type: 'm2m',
    token_endpoint_auth_method: 'client_secret_jwt',
    scope: 'jobs',
    ...extra,
  });
  expect(response.statusCode).toBe(201);
  return { clientId: response.json().client_id, secret: response.json().client_secret };
}

describe('client_secret_jwt client authentication (RFC 7523 §2.2 and §3, OIDC Core §9)', () => {
  let sut: TestApp;
  let issuer: string;
  let client: Registered;

  before(async () => {
    sut = await startTestApp({ REGISTRATION_MODE: 'open', ...GENEROUS_LIMITS });
    issuer = sut.config.issuer;
    client = await registerSecretJwtClient(sut);
  });
  after(() => sut.close());

  describe('registration', () => {
    it('an m2m client gets a server-made secret of 64 random octets, shown once', async () => {
      const response = await sut.admin('GET', `/admin/clients/${client.clientId}`);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        token_endpoint_auth_method: 'client_secret_jwt',
        token_endpoint_auth_signing_alg: null,
      });
      expect(response.json().client_secret).toBeUndefined();
      expect(client.secret).toMatch(/^[A-Za-z0-9_-]{86}$/);
    });

    it('the stored secret is encrypted at rest beside its bcrypt hash, never in clear', async () => {
      const db = sut.app.get(DataSource);
      const [row] = await db.query<Record<string, string | null>[]>(
        `SELECT secret_hash, secret_encrypted, previous_secret_encrypted FROM clients WHERE client_id = $1`,
        [client.clientId],
      );
      expect(row.secret_hash).toMatch(/^\$2[aby]\$/);
      expect(row.secret_encrypted).toEqual(expect.any(String));
      expect(row.secret_encrypted).not.toContain(client.secret);
      expect(Buffer.from(row.secret_encrypted!, 'base64url').toString('latin1')).not.toContain(
        client.secret,
      );
      expect(row.previous_secret_encrypted).toBeNull();
    });

    it('a client_secret_basic client keeps the bcrypt hash only', async () => {
      const created = await sut.admin('POST', '/admin/clients', {
        client_name: 'basic service',
        client_type: 'm2m',
        scope: 'jobs',
      });
      const db = sut.app.get(DataSource);
      const [row] = await db.query<Record<string, string | null>[]>(
        `SELECT secret_hash, secret_encrypted FROM clients WHERE client_id = $1`,
        [created.json().client_id],
      );
      expect(row).toEqual({ secret_hash: expect.stringMatching(/^\$2/), secret_encrypted: null });
    });

    it('a confidential client may use client_secret_jwt with a registered algorithm', async () => {
      const response = await sut.admin('POST', '/admin/clients', {
        client_name: 'web',
        redirect_uris: ['https://app.example.com/cb'],
        token_endpoint_auth_method: 'client_secret_jwt',
        token_endpoint_auth_signing_alg: 'HS512',
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({
        client_type: 'confidential',
        token_endpoint_auth_method: 'client_secret_jwt',
        token_endpoint_auth_signing_alg: 'HS512',
        client_secret: expect.any(String),
      });
    });

    const algCases: [string, Record<string, unknown>, string, string][] = [
      [
        'an asymmetric algorithm for client_secret_jwt',
        {
          token_endpoint_auth_method: 'client_secret_jwt',
          token_endpoint_auth_signing_alg: 'RS256',
        },
        'token_endpoint_auth_signing_alg',
        'client_secret_jwt takes one of HS256, HS384, HS512',
      ],
      [
        'an algorithm for client_secret_basic',
        { token_endpoint_auth_signing_alg: 'HS256' },
        'token_endpoint_auth_signing_alg',
        'only private_key_jwt and client_secret_jwt sign',
      ],
      [
        'none',
        {
          token_endpoint_auth_method: 'client_secret_jwt',
          token_endpoint_auth_signing_alg: 'none',
        },
        'token_endpoint_auth_signing_alg',
        'must be one of the following values: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, HS256, HS384, HS512',
      ],
    ];
    for (const [what, metadata, field, problem] of algCases) {
      it(`${what} is 400 naming token_endpoint_auth_signing_alg`, async () => {
        const response = await sut.admin('POST', '/admin/clients', {
          client_name: 'bad',
          client_type: 'm2m',
          ...metadata,
        });
        expect({ status: response.statusCode, body: response.json() }).toEqual({
          status: 400,
          body: validationError(field, problem),
        });
      });
    }

    it('an HMAC algorithm for private_key_jwt is 400', async () => {
      const { publicKey } = await generateKeyPair('ES256');
      const { exportJWK } = await import('jose');
      const response = await sut.admin('POST', '/admin/clients', {
        client_name: 'bad',
        client_type: 'm2m',
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'HS256',
        jwks: { keys: [await exportJWK(publicKey)] },
      });
      expect(response.json()).toEqual(
        validationError(
          'token_endpoint_auth_signing_alg',
          'private_key_jwt takes one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA',
        ),
      );
    });

    it('dynamic registration (RFC 7591) creates one, and it authenticates', async () => {
      const response = await sut.request({
        method: 'POST',
        url: '/register',
        headers: { 'content-type': 'application/json' },
        payload: {
          client_name: 'dynamic hmac',
          grant_types: ['client_credentials'],
          scope: 'jobs',
          token_endpoint_auth_method: 'client_secret_jwt',
          token_endpoint_auth_signing_alg: 'HS384',
        },
      });
      expect(response.statusCode).toBe(201);
      const body = response.json();
      expect(body).toMatchObject({
        token_endpoint_auth_method: 'client_secret_jwt',
        token_endpoint_auth_signing_alg: 'HS384',
        client_secret: expect.any(String),
      });
      expectToken(
        await authenticate(
          sut,
          await hmac(body.client_secret, claimsFor(body.client_id, issuer), 'HS384'),
        ),
      );
    });
  });

  describe('assertions', () => {
    it('an HS256 assertion keyed with the secret authenticates: 200 and a token', async () => {
      expectToken(
        await authenticate(sut, await hmac(client.secret, claimsFor(client.clientId, issuer))),
      );
    });

    it('HS384 and HS512 work too when no algorithm is registered', async () => {
      for (const alg of ['HS384', 'HS512']) {
        expectToken(
          await authenticate(
            sut,
            await hmac(client.secret, claimsFor(client.clientId, issuer), alg),
          ),
        );
      }
    });

    it('works at /introspect as well', async () => {
      const response = await authenticate(
        sut,
        await hmac(client.secret, claimsFor(client.clientId, issuer)),
        '/introspect',
      );
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 200,
        body: { active: false },
      });
    });

    it('a wrong secret is 401 invalid_client', async () => {
      expectInvalidClient(
        await authenticate(
          sut,
          await hmac(`${client.secret}x`, claimsFor(client.clientId, issuer)),
        ),
      );
    });

    it('an algorithm other than the registered one is 401', async () => {
      const pinned = await registerSecretJwtClient(sut, {
        token_endpoint_auth_signing_alg: 'HS256',
      });
      expectToken(
        await authenticate(sut, await hmac(pinned.secret, claimsFor(pinned.clientId, issuer))),
      );
      expectInvalidClient(
        await authenticate(
          sut,
          await hmac(pinned.secret, claimsFor(pinned.clientId, issuer), 'HS512'),
        ),
      );
    });

    it('an unsigned assertion (alg none) is 401', async () => {
      const unsigned = new UnsecuredJWT(claimsFor(client.clientId, issuer)).encode();
      expectInvalidClient(await authenticate(sut, unsigned));
    });

    it('an RS256 assertion for a client_secret_jwt client is 401', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const assertion = await new SignJWT(claimsFor(client.clientId, issuer))
        .setProtectedHeader({ alg: 'RS256' })
        .sign(privateKey);
      expectInvalidClient(await authenticate(sut, assertion));
    });

    it('a replayed assertion is 401: a jti is used once', async () => {
      const assertion = await hmac(client.secret, claimsFor(client.clientId, issuer));
      expectToken(await authenticate(sut, assertion));
      expectInvalidClient(await authenticate(sut, assertion));
    });

    const bad: [string, (id: string) => Record<string, unknown>][] = [
      ['expired', (id) => claimsFor(id, issuer, { exp: now() - 60, iat: now() - 120 })],
      ['exp more than five minutes ahead', (id) => claimsFor(id, issuer, { exp: now() + 3600 })],
      ['without exp', (id) => claimsFor(id, issuer, { exp: undefined })],
      ['without jti', (id) => claimsFor(id, issuer, { jti: undefined })],
      ['aud is the token endpoint', (id) => claimsFor(id, `${issuer}/token`)],
      ['aud is another server', (id) => claimsFor(id, 'https://other.example.com')],
      ['aud is an array holding the issuer', (id) => claimsFor(id, issuer, { aud: [issuer] })],
      ['iss differs from sub', (id) => claimsFor(id, issuer, { iss: 'someone-else' })],
    ];
    for (const [what, claims] of bad) {
      it(`401 invalid_client when ${what}`, async () => {
        expectInvalidClient(
          await authenticate(sut, await hmac(client.secret, claims(client.clientId))),
        );
      });
    }

    it('a client_secret_basic client presenting an HMAC assertion with its secret is 401', async () => {
      const created = await sut.admin('POST', '/admin/clients', {
        client_name: 'basic',
        client_type: 'm2m',
        scope: 'jobs',
      });
      const { client_id: basicId, client_secret: secret } = created.json();
      expectInvalidClient(await authenticate(sut, await hmac(secret, claimsFor(basicId, issuer))));
      // Its own method still works.
      const basic = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(basicId, secret) },
      );
      expect(basic.statusCode).toBe(200);
    });

    it('a client_secret_jwt client sending its secret in clear (Basic) is 401', async () => {
      const response = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(client.clientId, client.secret) },
      );
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 401,
        body: INVALID_CLIENT,
      });
    });

    it('an unknown client is 401', async () => {
      expectInvalidClient(
        await authenticate(sut, await hmac(client.secret, claimsFor('nobody', issuer))),
      );
    });
  });

  describe('the secret over its life', () => {
    it('rotation with a grace period: old and new secrets both work until it ends', async () => {
      const own = await registerSecretJwtClient(sut);
      const rotated = await sut.admin('POST', `/admin/clients/${own.clientId}/secret`, {
        grace_period: 300,
      });
      expect(rotated.statusCode).toBe(200);
      const fresh = rotated.json().client_secret as string;
      expect(fresh).toMatch(/^[A-Za-z0-9_-]{86}$/);
      expectToken(await authenticate(sut, await hmac(fresh, claimsFor(own.clientId, issuer))));
      expectToken(await authenticate(sut, await hmac(own.secret, claimsFor(own.clientId, issuer))));

      // Without a grace period, the previous secret stops at once.
      const again = await sut.admin('POST', `/admin/clients/${own.clientId}/secret`);
      const latest = again.json().client_secret as string;
      expectToken(await authenticate(sut, await hmac(latest, claimsFor(own.clientId, issuer))));
      expectInvalidClient(
        await authenticate(sut, await hmac(fresh, claimsFor(own.clientId, issuer))),
      );
      expectInvalidClient(
        await authenticate(sut, await hmac(own.secret, claimsFor(own.clientId, issuer))),
      );
    });

    it('switching away drops the encrypted secret; switching back makes a new secret', async () => {
      const own = await registerSecretJwtClient(sut);
      const db = sut.app.get(DataSource);
      const stored = async () =>
        (
          await db.query<{ secret_encrypted: string | null }[]>(
            `SELECT secret_encrypted FROM clients WHERE client_id = $1`,
            [own.clientId],
          )
        )[0].secret_encrypted;

      const toBasic = await sut.admin('PATCH', `/admin/clients/${own.clientId}`, {
        token_endpoint_auth_method: 'client_secret_basic',
      });
      expect(toBasic.statusCode).toBe(200);
      // The same secret, now presented in clear, and nothing kept but its hash.
      expect(toBasic.json().client_secret).toBeUndefined();
      expect(await stored()).toBeNull();
      const basic = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(own.clientId, own.secret) },
      );
      expect(basic.statusCode).toBe(200);

      const back = await sut.admin('PATCH', `/admin/clients/${own.clientId}`, {
        token_endpoint_auth_method: 'client_secret_jwt',
      });
      expect(back.statusCode).toBe(200);
      const fresh = back.json().client_secret as string;
      expect(fresh).toMatch(/^[A-Za-z0-9_-]{86}$/);
      expect(await stored()).toEqual(expect.any(String));
      expectToken(await authenticate(sut, await hmac(fresh, claimsFor(own.clientId, issuer))));
      expectInvalidClient(
        await authenticate(sut, await hmac(own.secret, claimsFor(own.clientId, issuer))),
      );
    });
  });

  describe('hostile input', () => {
    function forged(padding: number): string {
      const header = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');
      const payload = Buffer.from(
        JSON.stringify({ ...claimsFor(client.clientId, issuer), pad: 'x'.repeat(padding) }),
      ).toString('base64url');
      return `${header}.${payload}.${'A'.repeat(43)}`;
    }

    it('a large forged assertion (15 KB) is 401, never a server error', async () => {
      expectInvalidClient(await authenticate(sut, forged(11_000)));
    });

    it('an assertion over the form field limit (60 KB) is 400 invalid_request', async () => {
      const response = await authenticate(sut, forged(44_000));
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          error_description: 'client_assertion: is longer than 16384 characters',
        },
      });
    });

    it('a NUL in the assertion is 400 invalid_request, before any lookup', async () => {
      const assertion = await hmac(client.secret, claimsFor(client.clientId, issuer));
      const response = await authenticate(sut, `${assertion}\u0000`);
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          error_description: 'client_assertion: contains a NUL character',
        },
      });
    });

    it('a NUL or a control character inside sub, or an overlong sub, is 401', async () => {
      for (const id of [`${client.clientId}\u0000`, `${client.clientId}\n`, 'x'.repeat(129)]) {
        const claims = claimsFor(id, issuer);
        expectInvalidClient(await authenticate(sut, await hmac(client.secret, claims)));
      }
    });

    it('garbage in place of a JWT is 401', async () => {
      for (const garbage of ['a.b.c', '....', 'eyJhbGciOiJIUzI1NiJ9.e30']) {
        expectInvalidClient(await authenticate(sut, garbage));
      }
    });
  });
});
