import { expect } from 'expect';
import { decodeJwt } from 'jose';
import { after, before, describe, it } from 'node:test';
import { TestBrowser } from './support/browser';
import {
  authorizeAndGetCode,
  createPublicClient,
  createUser,
  exchangeCode,
  pkcePair,
  pushAuthorizationRequest,
  REDIRECT_URI,
  TestClient,
  TestUser,
} from './support/code-flow';
import { dpopKey, DpopKey, ISSUER, proof } from './support/dpop-proofs';
import { startTestApp, TestApp } from './support/test-app';

const BOUND_CODE = {
  error: 'invalid_grant',
  error_description:
    'the authorization code is bound to a DPoP key (dpop_jkt); send a proof signed with it',
};

describe('authorization codes bound to a DPoP key (RFC 9449 §10)', () => {
  let sut: TestApp;
  let user: TestUser;
  let spa: TestClient;
  let key: DpopKey;
  let other: DpopKey;

  before(async () => {
    sut = await startTestApp();
    user = await createUser(sut);
    spa = await createPublicClient(sut);
    key = await dpopKey('ES256');
    other = await dpopKey('EdDSA');
  });
  after(() => sut.close());

  /** Refusals that must not use the code up, then the redemption by the bound key. */
  async function redeemOnlyWith(code: Awaited<ReturnType<typeof authorizeAndGetCode>>) {
    const bare = await exchangeCode(sut, spa, code);
    expect(bare.statusCode).toBe(400);
    expect(bare.json()).toEqual(BOUND_CODE);
    const stolen = await exchangeCode(sut, spa, code, {}, { dpop: await proof(other) });
    expect(stolen.statusCode).toBe(400);
    expect(stolen.json()).toEqual(BOUND_CODE);

    const owner = await exchangeCode(sut, spa, code, {}, { dpop: await proof(key) });
    expect(owner.statusCode).toBe(200);
    expect(owner.json().token_type).toBe('DPoP');
    expect(decodeJwt(owner.json().access_token).cnf).toEqual({ jkt: key.jkt });
  }

  it('dpop_jkt at /authorize: only a proof by that key redeems the code; refusals burn nothing', async () => {
    await redeemOnlyWith(
      await authorizeAndGetCode(sut, spa, user, { params: { dpop_jkt: key.jkt } }),
    );
  });

  it('dpop_jkt pushed to /par binds the code the same way', async () => {
    await redeemOnlyWith(
      await authorizeAndGetCode(sut, spa, user, { pushed: true, params: { dpop_jkt: key.jkt } }),
    );
  });

  it('a DPoP proof at /par binds the code to its key without dpop_jkt (§10.1)', async () => {
    await redeemOnlyWith(
      await authorizeAndGetCode(sut, spa, user, {
        pushed: true,
        pushHeaders: { dpop: await proof(key, { htu: `${ISSUER}/par` }) },
      }),
    );
  });

  it('a proof at /par with a dpop_jkt of the same key is accepted', async () => {
    await redeemOnlyWith(
      await authorizeAndGetCode(sut, spa, user, {
        pushed: true,
        params: { dpop_jkt: key.jkt },
        pushHeaders: { dpop: await proof(key, { htu: `${ISSUER}/par` }) },
      }),
    );
  });

  it('without dpop_jkt the code is not bound: any proof, or none, redeems it', async () => {
    const code = await authorizeAndGetCode(sut, spa, user);
    const response = await exchangeCode(sut, spa, code, {}, { dpop: await proof(other) });
    expect(response.statusCode).toBe(200);
  });

  const push = (form: Record<string, string>, headers: Record<string, string> = {}) => {
    const { challenge } = pkcePair();
    return pushAuthorizationRequest(
      sut,
      spa,
      {
        response_type: 'code',
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        ...form,
      },
      headers,
    );
  };

  it('/par refuses a dpop_jkt that is not the key of its proof: 400 invalid_request', async () => {
    const response = await push(
      { dpop_jkt: other.jkt },
      { dpop: await proof(key, { htu: `${ISSUER}/par` }) },
    );
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: 'invalid_request',
      error_description: 'dpop_jkt does not match the key of the DPoP proof',
    });
  });

  for (const [name, dpop] of [
    ['a proof for /token', () => proof(key)],
    ['a proof for GET', () => proof(key, { htm: 'GET', htu: `${ISSUER}/par` })],
    ['garbage', async () => 'not-a-proof'],
  ] as const) {
    it(`/par refuses ${name}: 400 invalid_dpop_proof`, async () => {
      const response = await push({}, { dpop: await dpop() });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_dpop_proof',
        error_description: 'the DPoP proof is invalid',
      });
    });
  }

  it('/par refuses a proof replayed', async () => {
    const dpop = await proof(key, { htu: `${ISSUER}/par` });
    expect((await push({}, { dpop })).statusCode).toBe(201);
    expect((await push({}, { dpop })).json().error).toBe('invalid_dpop_proof');
  });

  for (const [name, value] of [
    ['too short', 'abc'],
    ['not base64url', `${'+'.repeat(43)}`],
    ['padded', `${'A'.repeat(42)}=`],
    ['too long', 'A'.repeat(44)],
  ] as const) {
    it(`a dpop_jkt ${name} is invalid_request: sent back to the client from /authorize, 400 at /par`, async () => {
      const browser = new TestBrowser(sut);
      const { challenge } = pkcePair();
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: spa.client_id,
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        state: 's1',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        dpop_jkt: value,
      });
      const step = await browser.get(`/authorize?${query.toString()}`);
      expect(step.statusCode).toBe(302);
      const back = new URL(step.location!);
      expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
      expect(Object.fromEntries(back.searchParams)).toEqual({
        error: 'invalid_request',
        error_description:
          'dpop_jkt must be the base64url SHA-256 thumbprint of a JWK (RFC 9449 §10)',
        state: 's1',
        iss: ISSUER,
      });

      const pushed = await push({ dpop_jkt: value });
      expect(pushed.statusCode).toBe(400);
      expect(pushed.json()).toEqual({
        error: 'invalid_request',
        error_description:
          'dpop_jkt must be the base64url SHA-256 thumbprint of a JWK (RFC 9449 §10)',
      });
    });
  }
});
