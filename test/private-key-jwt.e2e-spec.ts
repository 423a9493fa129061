import { expect } from 'expect';
import {
  decodeJwt,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  GenerateKeyPairResult,
  JWK,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import { randomUUID } from 'node:crypto';
import { LookupFunction } from 'node:net';
import { after, before, describe, it, mock } from 'node:test';
import * as oidc from 'openid-client';
import { DataSource } from 'typeorm';
import { JwksNetwork } from '../src/clients/client-auth/jwks-fetcher.service';
import { Housekeeping } from '../src/database/housekeeping.service';
import { startListeningApp } from './support/listening-app';
import { freePort } from './support/free-port';
import { HttpsTestServer, startHttpsServer, trustingAgent } from './support/jwks-server';
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

interface ClientKey {
  alg: string;
  kid: string;
  privateKey: GenerateKeyPairResult['privateKey'];
  publicJwk: JWK;
  publicPem: string;
}

async function clientKey(alg: string, kid: string): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

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

function sign(
  key: ClientKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .sign(key.privateKey);
}

function authenticate(
  sut: TestApp,
  assertion: string,
  extra: Record<string, string> = {},
  path = '/token',
): Promise<InjectResult> {
  return sut.postForm(path, {
    ...(path === '/token' ? { grant_type: 'client_credentials' } : {}),
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: assertion,
    ...extra,
  });
}

function expectInvalidClient(response: InjectResult): void {
  expect({ status: response.statusCode, body: response.json() }).toEqual({
    status: 401,
    body: INVALID_CLIENT,
  });
  // RFC 6749 §5.2: a challenge only when the Authorization header was used.
  expect(response.headers['www-authenticate']).toBeUndefined();
}

function expectToken(response: InjectResult, clientId: string): void {
  expect({ status: response.statusCode, body: response.json() }).toEqual({
    status: 200,
    body: {
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'jobs',
    },
  });
  expect(response.headers['cache-control']).toBe('no-store');
  expect(decodeJwt(response.json().access_token)).toMatchObject({
    sub: clientId,
    client_id: clientId,
  });
}

async function registerKeyClient(
  sut: TestApp,
  keys: { jwks?: { keys: JWK[] }; jwks_uri?: string },
  extra: Record<string, unknown> = {},
): Promise<string> {
  const response = await sut.admin('POST', '/admin/clients', {
    client_name: 'signing service',
    client_type: 'm2m',
    token_endpoint_auth_method: 'private_key_jwt',
    scope: 'jobs',
    ...keys,
    ...extra,
  });
  expect(response.statusCode).toBe(201);
  return response.json().client_id as string;
}

/** A resolver that answers every name with `address`, as a hostile DNS server could. */
function answering(address: string): LookupFunction {
  return (_hostname, options, callback) => {
    const family = address.includes(':') ? 6 : 4;
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

describe('private_key_jwt client authentication (RFC 7523 §2.2 and §3, OIDC Core §9)', () => {
  let sut: TestApp;
  let base: string;
  let tokenUrl: string;
  let rsa: ClientKey;
  let ec: ClientKey;
  let ed: ClientKey;
  let impostor: ClientKey;
  let clientId: string;

  before(async () => {
    ({ sut, issuer: base } = await startListeningApp({
      REGISTRATION_MODE: 'open',
      ...GENEROUS_LIMITS,
    }));
    tokenUrl = `${base}/token`;
    rsa = await clientKey('RS256', 'rsa-1');
    ec = await clientKey('ES256', 'ec-1');
    ed = await clientKey('EdDSA', 'ed-1');
    // Another key that claims the registered RSA key's kid.
    impostor = await clientKey('RS256', 'rsa-1');
    clientId = await registerKeyClient(sut, {
      jwks: { keys: [rsa.publicJwk, ec.publicJwk, ed.publicJwk] },
    });
  });
  after(() => sut.close());

  describe('with keys registered inline (jwks)', () => {
    it('registration gives a private_key_jwt client no secret and keeps its public keys', async () => {
      const response = await sut.admin('GET', `/admin/clients/${clientId}`);
      expect(response.json()).toMatchObject({
        client_id: clientId,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [rsa.publicJwk, ec.publicJwk, ed.publicJwk] },
        jwks_uri: null,
      });
      expect(response.json()).not.toHaveProperty('client_secret');
    });

    it('an assertion signed with a registered RSA key authenticates: 200 and a token for the client', async () => {
      const response = await authenticate(sut, await sign(rsa, claimsFor(clientId, base)));
      expectToken(response, clientId);
    });

    it('ES256 and EdDSA keys of the set authenticate too', async () => {
      for (const key of [ec, ed]) {
        expectToken(await authenticate(sut, await sign(key, claimsFor(clientId, base))), clientId);
      }
    });

    it('without a kid, the key is found among the registered keys of the algorithm', async () => {
      const assertion = await new SignJWT(claimsFor(clientId, base))
        .setProtectedHeader({ alg: 'ES256' })
        .sign(ec.privateKey);
      expectToken(await authenticate(sut, assertion), clientId);
    });

    it('aud is the issuer identifier as a single string (OpenID Foundation 2025 audience advisory)', async () => {
      expectToken(await authenticate(sut, await sign(rsa, claimsFor(clientId, base))), clientId);
    });

    for (const [what, aud] of [
      ['the token endpoint', () => tokenUrl],
      ['an array holding only the issuer', () => [base]],
      ['an array holding the issuer and another server', () => ['https://other.example.com', base]],
      ['the issuer with a trailing slash', () => `${base}/`],
    ] as const) {
      it(`aud naming ${what} is 401 invalid_client (CLIENT_ASSERTION_AUDIENCE=issuer)`, async () => {
        expectInvalidClient(
          await authenticate(sut, await sign(rsa, claimsFor(clientId, base, { aud: aud() }))),
        );
      });
    }

    it('exp up to five minutes ahead is accepted', async () => {
      const claims = claimsFor(clientId, base, { exp: now() + 300 });
      expectToken(await authenticate(sut, await sign(rsa, claims)), clientId);
    });

    it('a client_id in the body equal to the assertion sub is accepted (RFC 7521 §4.2)', async () => {
      const assertion = await sign(rsa, claimsFor(clientId, base));
      expectToken(await authenticate(sut, assertion, { client_id: clientId }), clientId);
    });

    it('a client_id in the body that differs from the assertion sub is 400 invalid_request', async () => {
      const assertion = await sign(rsa, claimsFor(clientId, base));
      const response = await authenticate(sut, assertion, { client_id: 'someone-else' });
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          error_description: 'client_id differs from the client_assertion subject',
        },
      });
    });

    it('client_assertion without client_assertion_type is 400 invalid_request', async () => {
      const response = await sut.postForm('/token', {
        grant_type: 'client_credentials',
        client_assertion: await sign(rsa, claimsFor(clientId, base)),
      });
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          error_description:
            'client_assertion and client_assertion_type must be given together (RFC 7521 §4.2)',
        },
      });
    });

    it('another client_assertion_type is 401 invalid_client', async () => {
      expectInvalidClient(
        await sut.postForm('/token', {
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
          client_assertion: await sign(rsa, claimsFor(clientId, base)),
        }),
      );
    });

    it('an assertion together with a client secret is 400 invalid_request (one method per request)', async () => {
      const response = await authenticate(sut, await sign(rsa, claimsFor(clientId, base)), {
        client_id: clientId,
        client_secret: 'anything',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('invalid_request');
    });

    const refused: [string, () => Promise<string>][] = [
      [
        'aud names another server',
        () => sign(rsa, claimsFor(clientId, 'https://other.example.com/token')),
      ],
      ['aud names the userinfo endpoint', () => sign(rsa, claimsFor(clientId, `${base}/userinfo`))],
      ['aud is missing', () => sign(rsa, claimsFor(clientId, base, { aud: undefined }))],
      [
        'the assertion expired',
        () => sign(rsa, claimsFor(clientId, base, { iat: now() - 120, exp: now() - 60 })),
      ],
      ['exp is an hour ahead', () => sign(rsa, claimsFor(clientId, base, { exp: now() + 3600 }))],
      [
        'exp is six minutes ahead',
        () => sign(rsa, claimsFor(clientId, base, { exp: now() + 360 })),
      ],
      ['exp is missing', () => sign(rsa, claimsFor(clientId, base, { exp: undefined }))],
      ['jti is missing', () => sign(rsa, claimsFor(clientId, base, { jti: undefined }))],
      ['jti is a number', () => sign(rsa, claimsFor(clientId, base, { jti: 42 }))],
      [
        'jti is longer than 256 characters',
        () => sign(rsa, claimsFor(clientId, base, { jti: 'j'.repeat(257) })),
      ],
      ['nbf is in the future', () => sign(rsa, claimsFor(clientId, base, { nbf: now() + 120 }))],
      [
        'iss is not the client',
        () => sign(rsa, claimsFor(clientId, base, { iss: 'someone-else' })),
      ],
      ['iss is missing', () => sign(rsa, claimsFor(clientId, base, { iss: undefined }))],
      [
        'alg is none (an unsecured JWT)',
        async () => new UnsecuredJWT(claimsFor(clientId, base)).encode(),
      ],
      [
        'alg is none, with the kid of a registered key',
        async () => {
          const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
          return `${part({ alg: 'none', kid: 'rsa-1' })}.${part(claimsFor(clientId, base))}.`;
        },
      ],
      [
        'alg is HS256, keyed with the registered public key (algorithm confusion)',
        () =>
          new SignJWT(claimsFor(clientId, base))
            .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
            .sign(new TextEncoder().encode(rsa.publicPem)),
      ],
      [
        'alg is HS256, keyed with the registered public JWK',
        () =>
          new SignJWT(claimsFor(clientId, base))
            .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
            .sign(new TextEncoder().encode(JSON.stringify(rsa.publicJwk))),
      ],
      ['the kid is unknown', () => sign(rsa, claimsFor(clientId, base), { kid: 'not-registered' })],
      [
        'another key signed it, under a registered kid',
        () => sign(impostor, claimsFor(clientId, base)),
      ],
      [
        'another key signed it, without a kid',
        () => sign(impostor, claimsFor(clientId, base), { kid: undefined }),
      ],
      [
        'the header claims ES256 for a signature made with RS256',
        async () => {
          const [, payload, signature] = (await sign(rsa, claimsFor(clientId, base))).split('.');
          const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'ec-1' })).toString(
            'base64url',
          );
          return `${header}.${payload}.${signature}`;
        },
      ],
      [
        'the payload was changed after signing',
        async () => {
          const [header, , signature] = (await sign(rsa, claimsFor(clientId, base))).split('.');
          const payload = Buffer.from(
            JSON.stringify(claimsFor(clientId, base, { exp: now() + 200 })),
          ).toString('base64url');
          return `${header}.${payload}.${signature}`;
        },
      ],
      ['it is not a JWT', async () => 'not-a-jwt'],
    ];
    for (const [what, make] of refused) {
      it(`401 invalid_client when ${what}`, async () => {
        expectInvalidClient(await authenticate(sut, await make()));
      });
    }

    it('a replayed assertion is 401: a jti is used once (RFC 7523 §3 (7))', async () => {
      const assertion = await sign(rsa, claimsFor(clientId, base));
      expectToken(await authenticate(sut, assertion), clientId);
      expectInvalidClient(await authenticate(sut, assertion));
    });

    it('a new assertion that reuses a jti is 401 as well', async () => {
      const jti = randomUUID();
      expectToken(
        await authenticate(sut, await sign(rsa, claimsFor(clientId, base, { jti }))),
        clientId,
      );
      expectInvalidClient(
        await authenticate(sut, await sign(ec, claimsFor(clientId, base, { jti }))),
      );
    });

    it('concurrent uses of one assertion: exactly one succeeds', async () => {
      const assertion = await sign(rsa, claimsFor(clientId, base));
      const responses = await Promise.all([1, 2, 3, 4].map(() => authenticate(sut, assertion)));
      expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 401, 401, 401]);
    });

    it('jti is unique per client: another client may use the same value', async () => {
      const other = await clientKey('ES256', 'other-1');
      const otherId = await registerKeyClient(sut, { jwks: { keys: [other.publicJwk] } });
      const jti = randomUUID();
      expectToken(
        await authenticate(sut, await sign(rsa, claimsFor(clientId, base, { jti }))),
        clientId,
      );
      expectToken(
        await authenticate(sut, await sign(other, claimsFor(otherId, base, { jti }))),
        otherId,
      );
    });

    it("iss and sub naming another client are checked against that client's keys: 401", async () => {
      const victim = await clientKey('ES256', 'victim-1');
      const victimId = await registerKeyClient(sut, { jwks: { keys: [victim.publicJwk] } });
      expectInvalidClient(await authenticate(sut, await sign(rsa, claimsFor(victimId, base))));
      expectInvalidClient(
        await authenticate(sut, await sign(rsa, claimsFor(victimId, base)), {
          client_id: victimId,
        }),
      );
    });

    it('sub naming an unknown client is 401', async () => {
      expectInvalidClient(
        await authenticate(sut, await sign(rsa, claimsFor('no-such-client', base))),
      );
    });

    it('a client registered for client_secret_basic cannot authenticate with an assertion', async () => {
      const created = await sut.admin('POST', '/admin/clients', {
        client_name: 'secret service',
        client_type: 'm2m',
        scope: 'jobs',
        token_endpoint_auth_method: 'client_secret_basic',
        jwks: { keys: [rsa.publicJwk] },
      });
      expect(created.statusCode).toBe(201);
      const { client_id: secretClientId, client_secret: secret } = created.json();
      expectInvalidClient(
        await authenticate(sut, await sign(rsa, claimsFor(secretClientId, base))),
      );
      // Its own method still works.
      const basic = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(secretClientId, secret) },
      );
      expect(basic.statusCode).toBe(200);
    });

    it('a disabled client is 401 with a valid assertion', async () => {
      const key = await clientKey('ES256', 'disabled-1');
      const disabledId = await registerKeyClient(sut, { jwks: { keys: [key.publicJwk] } });
      const patched = await sut.admin('PATCH', `/admin/clients/${disabledId}`, {
        status: 'disabled',
      });
      expect(patched.statusCode).toBe(200);
      expectInvalidClient(await authenticate(sut, await sign(key, claimsFor(disabledId, base))));
    });

    it('at /introspect and /revoke too, aud is the issuer and never the endpoint', async () => {
      for (const path of ['/introspect', '/revoke']) {
        const issuer = await sign(rsa, claimsFor(clientId, base));
        const response = await authenticate(sut, issuer, { token: 'unknown' }, path);
        expect(response.statusCode).toBe(200);
        const endpoint = await sign(rsa, claimsFor(clientId, base, { aud: `${base}${path}` }));
        expectInvalidClient(await authenticate(sut, endpoint, { token: 'unknown' }, path));
      }
    });

    it('a used jti is kept until the assertion expires, then swept by housekeeping', async () => {
      const db = sut.app.get(DataSource);
      const jti = randomUUID();
      const exp = now() + 120;
      expectToken(
        await authenticate(sut, await sign(rsa, claimsFor(clientId, base, { jti, exp }))),
        clientId,
      );
      const [row] = await db.query<{ expires_at: Date }[]>(
        'SELECT expires_at FROM client_assertion_jtis WHERE client_id = $1 AND jti = $2',
        [clientId, jti],
      );
      // exp plus the allowed clock skew, so that a replay within the skew is still caught.
      expect(new Date(row.expires_at).getTime()).toBe((exp + 15) * 1000);

      await db.query(
        `UPDATE client_assertion_jtis SET expires_at = now() - interval '1 second'
         WHERE client_id = $1 AND jti = $2`,
        [clientId, jti],
      );
      await sut.app.get(Housekeeping).sweep();
      const left = await db.query<unknown[]>(
        'SELECT 1 FROM client_assertion_jtis WHERE client_id = $1 AND jti = $2',
        [clientId, jti],
      );
      expect(left).toEqual([]);
    });
  });

  describe('openid-client (v6) as the client', () => {
    it('authenticates a client_credentials grant with PrivateKeyJwt', async () => {
      const config = await oidc.discovery(
        new URL(base),
        clientId,
        undefined,
        oidc.PrivateKeyJwt({ key: rsa.privateKey, kid: rsa.kid }),
        { execute: [oidc.allowInsecureRequests] },
      );
      for (let attempt = 0; attempt < 2; attempt++) {
        const tokens = await oidc.clientCredentialsGrant(config, { scope: 'jobs' });
        expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'jobs', expires_in: 900 });
        expect(decodeJwt(tokens.access_token)).toMatchObject({
          sub: clientId,
          client_id: clientId,
        });
      }
    });

    it('a key the client did not register is refused with invalid_client', async () => {
      const config = await oidc.discovery(
        new URL(base),
        clientId,
        undefined,
        oidc.PrivateKeyJwt({ key: impostor.privateKey, kid: impostor.kid }),
        { execute: [oidc.allowInsecureRequests] },
      );
      const error = await oidc.clientCredentialsGrant(config).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(oidc.ResponseBodyError);
      expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
    });
  });

  describe('jwks_uri pointing at this machine or a private network (SSRF)', () => {
    let listener: HttpsTestServer;
    let network: JwksNetwork;

    before(async () => {
      // A listener that would serve the client's real keys: reaching it would authenticate.
      listener = await startHttpsServer((_request, response) =>
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ keys: [rsa.publicJwk] })),
      );
      network = sut.app.get(JwksNetwork);
      network.agent = trustingAgent();
    });
    after(async () => {
      network.agent?.destroy();
      network.agent = undefined;
      network.resolve = new JwksNetwork().resolve;
      await listener.close();
    });

    const local = (host: string) => `https://${host}:${listener.port}/jwks`;

    it('registration refuses a jwks_uri on a loopback, private, link-local or IPv4-mapped address, or localhost', async () => {
      const cases: [string, string][] = [
        [local('127.0.0.1'), 'must not point at a non-public address (loopback)'],
        [local('localhost'), 'must not point at localhost'],
        [local('[::1]'), 'must not point at a non-public address (loopback)'],
        [local('[::ffff:127.0.0.1]'), 'must not point at a non-public address (IPv4-mapped)'],
        [local('2130706433'), 'must not point at a non-public address (loopback)'],
        ['https://10.0.0.8/jwks', 'must not point at a non-public address (private)'],
        [
          'https://[fd00::8]/jwks',
          'must not point at a non-public address (unique local (private))',
        ],
        [
          'https://169.254.169.254/latest/meta-data',
          'must not point at a non-public address (link-local)',
        ],
        [
          'https://100.64.1.1/jwks',
          'must not point at a non-public address (shared address space (CGNAT))',
        ],
        ['http://jwks.example.com/jwks', 'must be an https URL'],
      ];
      for (const [jwksUri, problem] of cases) {
        const response = await sut.admin('POST', '/admin/clients', {
          client_name: 'ssrf',
          client_type: 'm2m',
          token_endpoint_auth_method: 'private_key_jwt',
          jwks_uri: jwksUri,
        });
        expect({ uri: jwksUri, status: response.statusCode, body: response.json() }).toEqual({
          uri: jwksUri,
          status: 400,
          body: {
            error: 'invalid_request',
            message: `jwks_uri: ${problem}`,
            details: [{ field: 'jwks_uri', problem }],
          },
        });
      }
      expect(listener.connections).toBe(0);
    });

    it('dynamic registration (RFC 7591) refuses them too, with invalid_client_metadata', async () => {
      for (const host of ['127.0.0.1', 'localhost']) {
        const response = await sut.request({
          method: 'POST',
          url: '/register',
          headers: { 'content-type': 'application/json' },
          payload: {
            client_name: 'ssrf',
            grant_types: ['client_credentials'],
            token_endpoint_auth_method: 'private_key_jwt',
            jwks_uri: local(host),
          },
        });
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({
          error: 'invalid_client_metadata',
          error_description:
            host === 'localhost'
              ? 'jwks_uri: must not point at localhost'
              : 'jwks_uri: must not point at a non-public address (loopback)',
        });
      }
    });

    it('a stored jwks_uri on 127.0.0.1 or localhost is never fetched: 401, and no connection reaches the listener', async () => {
      const db = sut.app.get(DataSource);
      for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
        const id = await registerKeyClient(sut, { jwks_uri: 'https://jwks.example.com/jwks' });
        // As if stored while JWKS_URI_ALLOW_PRIVATE was on, or by an older version.
        await db.query('UPDATE clients SET jwks_uri = $1 WHERE client_id = $2', [local(host), id]);
        expectInvalidClient(await authenticate(sut, await sign(rsa, claimsFor(id, base))));
      }
      expect(listener.connections).toBe(0);
    });

    it('a host name that resolves to loopback is refused when fetched, before connecting (DNS rebinding)', async () => {
      const id = await registerKeyClient(sut, { jwks_uri: local('jwks.gatehouse.test') });
      for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
        network.resolve = answering(address);
        expectInvalidClient(await authenticate(sut, await sign(rsa, claimsFor(id, base))));
      }
      expect(listener.connections).toBe(0);
    });
  });
});

describe('private_key_jwt with keys from jwks_uri (JWKS_URI_ALLOW_PRIVATE for a local server)', () => {
  const ISSUER = 'http://localhost:3000';
  let sut: TestApp;
  let server: HttpsTestServer;
  let network: JwksNetwork;
  let current: ClientKey;
  let rotated: ClientKey;
  let served: { keys: JWK[] };
  let clientId: string;

  before(async () => {
    current = await clientKey('PS256', 'current');
    rotated = await clientKey('ES384', 'rotated');
    served = { keys: [current.publicJwk] };
    server = await startHttpsServer((request, response) => {
      if (request.url === '/moved') {
        return response.writeHead(301, { location: '/jwks' }).end();
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served));
    });
    sut = await startTestApp({
      ISSUER,
      JWKS_URI_ALLOW_PRIVATE: 'true',
      ...GENEROUS_LIMITS,
    });
    network = sut.app.get(JwksNetwork);
    network.agent = trustingAgent();
    clientId = await registerKeyClient(sut, { jwks_uri: server.url('/jwks') });
  });
  after(async () => {
    network.agent?.destroy();
    await sut.close();
    await server.close();
  });

  it('registration accepts a loopback jwks_uri while JWKS_URI_ALLOW_PRIVATE is on', async () => {
    const response = await sut.admin('GET', `/admin/clients/${clientId}`);
    expect(response.json()).toMatchObject({ jwks_uri: server.url('/jwks'), jwks: null });
  });

  it('an assertion verifies against the fetched keys; the set is fetched once, then cached', async () => {
    expectToken(
      await authenticate(sut, await sign(current, claimsFor(clientId, ISSUER))),
      clientId,
    );
    expectToken(
      await authenticate(sut, await sign(current, claimsFor(clientId, ISSUER))),
      clientId,
    );
    expect(server.requests).toEqual(['/jwks']);
  });

  it('an unknown kid is refused, and does not refetch within 30 s of the last fetch', async () => {
    served = { keys: [current.publicJwk, rotated.publicJwk] };
    expectInvalidClient(await authenticate(sut, await sign(rotated, claimsFor(clientId, ISSUER))));
    expect(server.requests).toEqual(['/jwks']);
  });

  it('30 s after the last fetch, an unknown kid refetches the set: the rotated key works', async () => {
    const later = Date.now() + 31_000;
    mock.method(Date, 'now', () => later);
    try {
      expectToken(
        await authenticate(sut, await sign(rotated, claimsFor(clientId, ISSUER))),
        clientId,
      );
    } finally {
      mock.restoreAll();
    }
    expect(server.requests).toEqual(['/jwks', '/jwks']);
  });

  it('the bad assertions are refused here as well', async () => {
    const bad = [
      claimsFor(clientId, 'https://other.example.com/token'),
      claimsFor(clientId, ISSUER, { exp: now() - 60, iat: now() - 120 }),
      claimsFor(clientId, ISSUER, { exp: now() + 3600 }),
    ];
    for (const claims of bad) {
      expectInvalidClient(await authenticate(sut, await sign(current, claims)));
    }
    expectInvalidClient(
      await authenticate(
        sut,
        await new SignJWT(claimsFor(clientId, ISSUER))
          .setProtectedHeader({ alg: 'HS256', kid: 'current' })
          .sign(new TextEncoder().encode(current.publicPem)),
      ),
    );
  });

  it('a jwks_uri that redirects is refused; the redirect is not followed', async () => {
    const moved = await registerKeyClient(sut, { jwks_uri: server.url('/moved') });
    server.requests.length = 0;
    expectInvalidClient(await authenticate(sut, await sign(current, claimsFor(moved, ISSUER))));
    expect(server.requests).toEqual(['/moved']);
  });

  it('a jwks_uri that cannot be reached is 401, not a server error', async () => {
    const unreachable = await registerKeyClient(sut, {
      jwks_uri: `https://127.0.0.1:${await freePort()}/jwks`,
    });
    expectInvalidClient(
      await authenticate(sut, await sign(current, claimsFor(unreachable, ISSUER))),
    );
  });
});

describe('private_key_jwt with CLIENT_ASSERTION_AUDIENCE=legacy (clients not yet updated)', () => {
  const ISSUER = 'http://localhost:3000';
  let sut: TestApp;
  let key: ClientKey;
  let clientId: string;

  before(async () => {
    sut = await startTestApp({ ISSUER, CLIENT_ASSERTION_AUDIENCE: 'legacy', ...GENEROUS_LIMITS });
    key = await clientKey('ES256', 'legacy-1');
    clientId = await registerKeyClient(sut, { jwks: { keys: [key.publicJwk] } });
  });
  after(() => sut.close());

  const assertion = (aud: unknown) => sign(key, claimsFor(clientId, ISSUER, { aud }));

  it('aud may be the issuer, the token endpoint, or an array that holds one of them', async () => {
    for (const aud of [
      ISSUER,
      `${ISSUER}/token`,
      ['https://other.example.com', ISSUER],
      [`${ISSUER}/token`],
    ]) {
      expectToken(await authenticate(sut, await assertion(aud)), clientId);
    }
  });

  it('aud naming only another server, or another endpoint of this one, is 401 invalid_client', async () => {
    for (const aud of [
      'https://other.example.com/token',
      ['https://other.example.com'],
      `${ISSUER}/userinfo`,
      `${ISSUER}/revoke`,
      42,
    ]) {
      expectInvalidClient(await authenticate(sut, await assertion(aud)));
    }
  });

  it('at /introspect and /revoke, aud may also name that endpoint', async () => {
    for (const path of ['/introspect', '/revoke']) {
      const response = await authenticate(
        sut,
        await assertion(`${ISSUER}${path}`),
        { token: 'unknown' },
        path,
      );
      expect(response.statusCode).toBe(200);
    }
    expectInvalidClient(
      await authenticate(
        sut,
        await assertion(`${ISSUER}/revoke`),
        { token: 'unknown' },
        '/introspect',
      ),
    );
  });
});
