import { expect } from 'expect';
import { randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, base64url } from 'jose';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  authorizeAndGetCode,
  createClient,
  createPublicClient,
  createUser,
  exchangeCode,
  refresh,
  TestClient,
  TestUser,
  tokenRequest,
} from './support/code-flow';
import { DpopKey, dpopKey, ISSUER, proof } from './support/dpop-proofs';
import { basicAuth, startTestApp, TestApp } from './support/test-app';

const INVALID_PROOF = {
  error: 'invalid_dpop_proof',
  error_description: 'the DPoP proof is invalid',
};
const DPOP_CHALLENGE =
  'DPoP algs="ES256 RS256 PS256 EdDSA", error="invalid_dpop_proof", error_description="the DPoP proof is invalid"';

describe('DPoP (RFC 9449)', () => {
  let sut: TestApp;
  let user: TestUser;
  let machine: TestClient;
  let checker: TestClient;
  let web: TestClient;
  let spa: TestClient;
  let es256: DpopKey;
  let eddsa: DpopKey;

  before(async () => {
    sut = await startTestApp();
    user = await createUser(sut);
    machine = await m2mClient(sut, 'Machine');
    checker = await m2mClient(sut, 'Policy point', { scope: 'iam:check' });
    web = await createClient(sut);
    spa = await createPublicClient(sut);
    es256 = await dpopKey('ES256');
    eddsa = await dpopKey('EdDSA');
  });
  after(() => sut.close());

  const clientCredentials = (headers: Record<string, string> = {}) =>
    tokenRequest(sut, machine, { grant_type: 'client_credentials' }, headers);

  describe('at /token', () => {
    it('binds the access token to the proof key: token_type DPoP, cnf.jkt the thumbprint', async () => {
      for (const key of [es256, eddsa]) {
        const response = await clientCredentials({ dpop: await proof(key) });
        expect(response.statusCode).toBe(200);
        const body = response.json();
        expect(body.token_type).toBe('DPoP');
        expect(decodeJwt(body.access_token).cnf).toEqual({ jkt: key.jkt });
      }
    });

    it('without a proof the token is Bearer and carries no cnf', async () => {
      const response = await clientCredentials();
      expect(response.statusCode).toBe(200);
      expect(response.json().token_type).toBe('Bearer');
      expect(decodeJwt(response.json().access_token).cnf).toBeUndefined();
    });

    const refusals: Array<[string, () => Promise<Record<string, string>>]> = [
      ['a proof for another method', async () => ({ dpop: await proof(es256, { htm: 'GET' }) })],
      [
        'a proof for another URI',
        async () => ({ dpop: await proof(es256, { htu: `${ISSUER}/userinfo` }) }),
      ],
      [
        'a proof for another host',
        async () => ({ dpop: await proof(es256, { htu: 'https://evil.example/token' }) }),
      ],
      [
        'a proof issued too long ago',
        async () => ({ dpop: await proof(es256, { iat: Math.floor(Date.now() / 1000) - 600 }) }),
      ],
      [
        'a proof issued in the future',
        async () => ({ dpop: await proof(es256, { iat: Math.floor(Date.now() / 1000) + 600 }) }),
      ],
      [
        'a proof of another typ',
        async () => ({ dpop: await proof(es256, { header: { typ: 'JWT' } }) }),
      ],
      [
        'a proof without jti',
        async () => ({ dpop: await proof(es256, { claims: { jti: undefined } }) }),
      ],
      [
        'a proof with an oversized jti',
        async () => ({ dpop: await proof(es256, { claims: { jti: 'x'.repeat(300) } }) }),
      ],
      [
        'a proof whose jwk carries the private key',
        async () => ({
          dpop: await proof(es256, {
            header: { jwk: await exportJWK(es256.privateKey) },
          }),
        }),
      ],
      [
        'a proof signed by another key than its jwk',
        async () => ({
          dpop: await proof({ ...es256, privateKey: (await dpopKey('ES256')).privateKey }),
        }),
      ],
      ['an unsigned proof (alg none)', async () => ({ dpop: unsecured() })],
      ['an HS256 proof', async () => ({ dpop: hmacProof() })],
      ['a proof that is no JWT', async () => ({ dpop: 'not-a-jwt' })],
    ];
    for (const [name, headers] of refusals) {
      it(`refuses ${name}: 400 invalid_dpop_proof`, async () => {
        const response = await clientCredentials(await headers());
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual(INVALID_PROOF);
        expect(response.headers['cache-control']).toBe('no-store');
      });
    }

    it('refuses a replayed proof: 400 invalid_dpop_proof', async () => {
      const dpop = await proof(es256);
      expect((await clientCredentials({ dpop })).statusCode).toBe(200);
      const replay = await clientCredentials({ dpop });
      expect(replay.statusCode).toBe(400);
      expect(replay.json()).toEqual(INVALID_PROOF);
    });

    it('refuses two DPoP headers: 400 invalid_dpop_proof', async () => {
      const response = await sut.request({
        method: 'POST',
        url: '/token',
        headers: {
          authorization: basicAuth(machine.client_id, machine.client_secret!),
          'content-type': 'application/x-www-form-urlencoded',
          dpop: `${await proof(es256)}, ${await proof(es256)}`,
        },
        payload: 'grant_type=client_credentials',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_dpop_proof',
        error_description: 'exactly one DPoP header is allowed',
      });
    });

    it('ignores the query of htu (RFC 9449 §4.3)', async () => {
      const response = await clientCredentials({
        dpop: await proof(eddsa, { htu: `${ISSUER}/token?x=1#f` }),
      });
      expect(response.statusCode).toBe(200);
    });
  });

  describe('refresh tokens', () => {
    it("binds a public client's refresh token: another key or none is refused, the same key works", async () => {
      const code = await authorizeAndGetCode(sut, spa, user);
      const issued = await exchangeCode(sut, spa, code, {}, { dpop: await proof(es256) });
      expect(issued.statusCode).toBe(200);
      expect(issued.json().token_type).toBe('DPoP');
      const refreshToken = issued.json().refresh_token as string;

      const stolen = await refresh(sut, spa, refreshToken, {}, { dpop: await proof(eddsa) });
      expect(stolen.statusCode).toBe(400);
      expect(stolen.json()).toEqual({
        error: 'invalid_grant',
        error_description: 'the refresh token is bound to a DPoP key; send a proof signed with it',
      });
      const bare = await refresh(sut, spa, refreshToken);
      expect(bare.statusCode).toBe(400);
      expect(bare.json().error).toBe('invalid_grant');

      // The refusals did not use the token up.
      const owner = await refresh(sut, spa, refreshToken, {}, { dpop: await proof(es256) });
      expect(owner.statusCode).toBe(200);
      expect(owner.json().token_type).toBe('DPoP');
      expect(decodeJwt(owner.json().access_token).cnf).toEqual({ jkt: es256.jkt });
    });

    it("does not bind a confidential client's refresh token (RFC 9449 §5)", async () => {
      const code = await authorizeAndGetCode(sut, web, user);
      const issued = await exchangeCode(sut, web, code, {}, { dpop: await proof(es256) });
      expect(issued.statusCode).toBe(200);
      expect(issued.json().token_type).toBe('DPoP');
      const response = await refresh(
        sut,
        web,
        issued.json().refresh_token,
        {},
        {
          dpop: await proof(eddsa),
        },
      );
      expect(response.statusCode).toBe(200);
      expect(decodeJwt(response.json().access_token).cnf).toEqual({ jkt: eddsa.jkt });
      const bearer = await refresh(sut, web, response.json().refresh_token);
      expect(bearer.statusCode).toBe(200);
      expect(bearer.json().token_type).toBe('Bearer');
    });
  });

  describe('where the binding is not checked yet', () => {
    it('the APIs that take Bearer tokens only (AuthZEN, admin) refuse a DPoP-bound token (RFC 9449 §7.2)', async () => {
      const issued = await tokenRequest(
        sut,
        checker,
        { grant_type: 'client_credentials' },
        { dpop: await proof(es256) },
      );
      expect(issued.json().token_type).toBe('DPoP');
      const evaluation = (token: string) =>
        sut.request({
          method: 'POST',
          url: '/access/v1/evaluation',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          payload: {
            subject: { type: 'user', id: user.id },
            resource: { type: 'invoices', id: '1' },
            action: { name: 'read' },
          },
        });

      const refused = await evaluation(issued.json().access_token);
      const garbage = await evaluation('not-a-token');
      expect(refused.statusCode).toBe(401);
      expect({ body: refused.json(), challenge: refused.headers['www-authenticate'] }).toEqual({
        body: garbage.json(),
        challenge: garbage.headers['www-authenticate'],
      });
      const unbound = await tokenRequest(sut, checker, { grant_type: 'client_credentials' });
      expect((await evaluation(unbound.json().access_token)).statusCode).toBe(200);
    });
  });

  describe('at /userinfo and /introspect', () => {
    let bound: string;

    before(async () => {
      const code = await authorizeAndGetCode(sut, spa, user);
      const issued = await exchangeCode(sut, spa, code, {}, { dpop: await proof(eddsa) });
      expect(issued.statusCode).toBe(200);
      bound = issued.json().access_token;
    });

    const userinfo = (headers: Record<string, string>, method = 'GET') =>
      sut.request({ method, url: '/userinfo', headers });
    const forUserinfo = (key: DpopKey, more: Parameters<typeof proof>[1] = {}) =>
      proof(key, { htm: 'GET', htu: `${ISSUER}/userinfo`, accessToken: bound, ...more });

    it('answers the DPoP scheme with a proof carrying ath', async () => {
      const response = await userinfo({
        authorization: `DPoP ${bound}`,
        dpop: await forUserinfo(eddsa),
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().sub).toBe(user.id);
    });

    it('answers a POST with the DPoP scheme', async () => {
      const response = await userinfo(
        { authorization: `DPoP ${bound}`, dpop: await forUserinfo(eddsa, { htm: 'POST' }) },
        'POST',
      );
      expect(response.statusCode).toBe(200);
    });

    const refusals: Array<[string, () => Promise<Record<string, string>>]> = [
      ['no proof', async () => ({ authorization: `DPoP ${bound}` })],
      [
        'a proof without ath',
        async () => ({
          authorization: `DPoP ${bound}`,
          dpop: await proof(eddsa, { htm: 'GET', htu: `${ISSUER}/userinfo` }),
        }),
      ],
      [
        'a proof by another key than the bound one',
        async () => ({ authorization: `DPoP ${bound}`, dpop: await forUserinfo(es256) }),
      ],
      [
        'a proof for /token',
        async () => ({
          authorization: `DPoP ${bound}`,
          dpop: await forUserinfo(eddsa, { htu: `${ISSUER}/token` }),
        }),
      ],
    ];
    for (const [name, headers] of refusals) {
      it(`refuses ${name}: 401 invalid_dpop_proof with a DPoP challenge`, async () => {
        const response = await userinfo(await headers());
        expect(response.statusCode).toBe(401);
        expect(response.json()).toEqual(INVALID_PROOF);
        expect(response.headers['www-authenticate']).toBe(DPOP_CHALLENGE);
      });
    }

    it('refuses a replayed proof at /userinfo', async () => {
      const dpop = await forUserinfo(eddsa);
      expect((await userinfo({ authorization: `DPoP ${bound}`, dpop })).statusCode).toBe(200);
      const replay = await userinfo({ authorization: `DPoP ${bound}`, dpop });
      expect(replay.statusCode).toBe(401);
      expect(replay.json()).toEqual(INVALID_PROOF);
    });

    it('refuses the bound token presented as Bearer: 401 invalid_token (RFC 9449 §7.2)', async () => {
      const response = await userinfo({ authorization: `Bearer ${bound}` });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        error: 'invalid_token',
        error_description: 'the access token is invalid or expired',
      });
      expect(response.headers['www-authenticate']).toBe(
        'Bearer realm="gatehouse", error="invalid_token", error_description="the access token is invalid or expired"',
      );
    });

    it('introspection shows cnf.jkt and token_type DPoP (RFC 9449 §6.2)', async () => {
      const response = await sut.postForm(
        '/introspect',
        { token: bound },
        { authorization: basicAuth(web.client_id, web.client_secret!) },
      );
      expect(response.statusCode).toBe(200);
      // Not web's token: only the owner or an iam:check holder sees it.
      expect(response.json()).toEqual({ active: false });
      const admin = await sut.postForm(
        '/introspect',
        { token: bound },
        { authorization: basicAuth(checker.client_id, checker.client_secret!) },
      );
      expect(admin.statusCode).toBe(200);
      expect(admin.json()).toMatchObject({
        active: true,
        token_type: 'DPoP',
        cnf: { jkt: eddsa.jkt },
      });
    });
  });
});

async function m2mClient(
  sut: TestApp,
  name: string,
  overrides: Record<string, unknown> = {},
): Promise<TestClient> {
  const response = await sut.admin('POST', '/admin/clients', {
    client_name: name,
    client_type: 'm2m',
    ...overrides,
  });
  expect(response.statusCode).toBe(201);
  const { client_id, client_secret } = response.json();
  return { client_id, client_secret };
}

/** An unsecured JWT (RFC 7519 §6) shaped like a proof. */
function unsecured(): string {
  const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'dpop+jwt' }));
  const payload = base64url.encode(
    JSON.stringify({
      htm: 'POST',
      htu: `${ISSUER}/token`,
      jti: randomUUID(),
      iat: Math.floor(Date.now() / 1000),
    }),
  );
  return `${header}.${payload}.`;
}

/** A proof MACed with HS256, a symmetric key in its jwk. */
function hmacProof(): string {
  const key = Buffer.from('0123456789abcdef0123456789abcdef');
  const header = base64url.encode(
    JSON.stringify({
      alg: 'HS256',
      typ: 'dpop+jwt',
      jwk: { kty: 'oct', k: key.toString('base64url') },
    }),
  );
  const payload = base64url.encode(
    JSON.stringify({
      htm: 'POST',
      htu: `${ISSUER}/token`,
      jti: randomUUID(),
      iat: Math.floor(Date.now() / 1000),
    }),
  );
  const signature = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
