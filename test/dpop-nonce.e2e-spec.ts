import { expect } from 'expect';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DPOP_NONCE_STEP_S } from '../src/tokens/dpop/dpop-nonce';
import { TestClock } from './support/clock';
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
  tokenRequest,
} from './support/code-flow';
import { dpopKey, DpopKey, ISSUER, proof } from './support/dpop-proofs';
import { startTestApp, TestApp } from './support/test-app';

const USE_NONCE = {
  error: 'use_dpop_nonce',
  error_description: 'the DPoP proof must carry the nonce of the DPoP-Nonce header',
};
const NONCE = /^[A-Za-z0-9_-]{22}$/;

async function m2m(sut: TestApp): Promise<TestClient> {
  const created = await sut.admin('POST', '/admin/clients', {
    client_name: 'Machine',
    client_type: 'm2m',
  });
  expect(created.statusCode).toBe(201);
  return { client_id: created.json().client_id, client_secret: created.json().client_secret };
}

describe('DPoP server nonces, DPOP_NONCE=required (RFC 9449 §8, §9)', () => {
  const keyEncryptionKey = randomBytes(32).toString('base64');
  let sut: TestApp;
  let machine: TestClient;
  let key: DpopKey;

  before(async () => {
    sut = await startTestApp({ DPOP_NONCE: 'required', KEY_ENCRYPTION_KEY: keyEncryptionKey });
    machine = await m2m(sut);
    key = await dpopKey('ES256');
  });
  after(() => sut.close());

  const token = (dpop?: string) =>
    tokenRequest(sut, machine, { grant_type: 'client_credentials' }, dpop ? { dpop } : {});

  /** The nonce /token hands out now, from a refused proof without one. */
  async function currentNonce(): Promise<string> {
    const refused = await token(await proof(key));
    expect(refused.statusCode).toBe(400);
    return refused.headers['dpop-nonce'] as string;
  }

  describe('at /token', () => {
    it('a proof without a nonce is 400 use_dpop_nonce with the nonce to use in DPoP-Nonce', async () => {
      const response = await token(await proof(key));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(USE_NONCE);
      expect(response.headers['dpop-nonce']).toMatch(NONCE);
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('the retry with the nonce gets a bound token, and the answer carries the nonce', async () => {
      const nonce = await currentNonce();
      const response = await token(await proof(key, { nonce }));
      expect(response.statusCode).toBe(200);
      expect(response.json().token_type).toBe('DPoP');
      expect(response.headers['dpop-nonce']).toBe(nonce);
    });

    it('a request without DPoP needs no nonce (a Bearer token), yet learns it', async () => {
      const response = await token();
      expect(response.statusCode).toBe(200);
      expect(response.json().token_type).toBe('Bearer');
      expect(response.headers['dpop-nonce']).toMatch(NONCE);
    });

    for (const [name, nonce] of [
      ['a garbage nonce', 'not-a-nonce'],
      ['a nonce of the right shape that was never issued', 'A'.repeat(22)],
      ['an empty nonce', ''],
      ['a long nonce (the proof under its 8,192-character limit)', 'n'.repeat(4000)],
    ] as const) {
      it(`${name} is 400 use_dpop_nonce`, async () => {
        const response = await token(await proof(key, { nonce }));
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual(USE_NONCE);
        expect(response.headers['dpop-nonce']).toMatch(NONCE);
      });
    }

    for (const [name, nonce] of [
      ['a number', 12345],
      ['an array', ['x']],
      ['an object', { nonce: 'x' }],
      ['null', null],
    ] as const) {
      it(`a nonce that is ${name} makes the proof invalid: 400 invalid_dpop_proof`, async () => {
        const response = await token(await proof(key, { nonce }));
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({
          error: 'invalid_dpop_proof',
          error_description: 'the DPoP proof is invalid',
        });
      });
    }

    it('an invalid proof is invalid_dpop_proof even without a nonce: the proof is checked first', async () => {
      const response = await token(await proof(key, { htm: 'GET' }));
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('invalid_dpop_proof');
    });

    it('a refused nonce does not spend the jti: a proof refused for its nonce is refused the same way again', async () => {
      const stale = await proof(key, { nonce: 'A'.repeat(22) });
      expect((await token(stale)).json()).toEqual(USE_NONCE);
      expect((await token(stale)).json()).toEqual(USE_NONCE);
    });
  });

  describe('across processes, without shared state', () => {
    let other: TestApp;
    let ahead: TestApp;
    let otherMachine: TestClient;

    before(async () => {
      // Each on its own database: the nonce depends on the key-encryption key and the time only.
      other = await startTestApp({ DPOP_NONCE: 'required', KEY_ENCRYPTION_KEY: keyEncryptionKey });
      otherMachine = await m2m(other);
      const clock = new TestClock();
      clock.advance(DPOP_NONCE_STEP_S * 1000);
      ahead = await startTestApp(
        { DPOP_NONCE: 'required', KEY_ENCRYPTION_KEY: keyEncryptionKey },
        { clock },
      );
    });
    after(async () => {
      await other.close();
      await ahead.close();
    });

    it("another process with the same key-encryption key accepts this one's nonce", async () => {
      const nonce = await currentNonce();
      const response = await tokenRequest(
        other,
        otherMachine,
        { grant_type: 'client_credentials' },
        { dpop: await proof(key, { nonce }) },
      );
      expect(response.statusCode).toBe(200);
      expect(response.headers['dpop-nonce']).toBe(nonce);
    });

    it('a process with another key-encryption key does not', async () => {
      const stranger = await startTestApp({ DPOP_NONCE: 'required' });
      try {
        const client = await m2m(stranger);
        const response = await tokenRequest(
          stranger,
          client,
          { grant_type: 'client_credentials' },
          { dpop: await proof(key, { nonce: await currentNonce() }) },
        );
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual(USE_NONCE);
      } finally {
        await stranger.close();
      }
    });

    it('a nonce from the future (the next time step) is refused', async () => {
      const aheadMachine = await m2m(ahead);
      const future = await tokenRequest(
        ahead,
        aheadMachine,
        { grant_type: 'client_credentials' },
        { dpop: await proof(key) },
      );
      const nonce = future.headers['dpop-nonce'] as string;
      expect(nonce).toMatch(NONCE);
      expect(nonce).not.toBe(await currentNonce());
      const response = await token(await proof(key, { nonce }));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual(USE_NONCE);
    });
  });

  describe('at /par (RFC 9449 §10.1)', () => {
    let web: TestClient;
    before(async () => {
      web = await createPublicClient(sut);
    });
    const push = async (nonce?: string) => {
      const { challenge } = pkcePair();
      return pushAuthorizationRequest(
        sut,
        web,
        {
          response_type: 'code',
          redirect_uri: REDIRECT_URI,
          scope: 'openid',
          code_challenge: challenge,
          code_challenge_method: 'S256',
        },
        { dpop: await proof(key, { htu: `${ISSUER}/par`, nonce }) },
      );
    };

    it('a proof without the nonce is 400 use_dpop_nonce with DPoP-Nonce; with it, 201 and DPoP-Nonce', async () => {
      const refused = await push();
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toEqual(USE_NONCE);
      const nonce = refused.headers['dpop-nonce'] as string;
      expect(nonce).toMatch(NONCE);
      const pushed = await push(nonce);
      expect(pushed.statusCode).toBe(201);
      expect(pushed.headers['dpop-nonce']).toBe(nonce);
    });
  });

  describe('at /userinfo', () => {
    let spa: TestClient;
    let user: TestUser;
    let bound: string;

    before(async () => {
      user = await createUser(sut);
      spa = await createPublicClient(sut);
      const code = await authorizeAndGetCode(sut, spa, user);
      const issued = await exchangeCode(
        sut,
        spa,
        code,
        {},
        { dpop: await proof(key, { nonce: await currentNonce() }) },
      );
      expect(issued.statusCode).toBe(200);
      bound = issued.json().access_token;
    });

    const userinfo = async (nonce?: unknown) =>
      sut.request({
        method: 'GET',
        url: '/userinfo',
        headers: {
          authorization: `DPoP ${bound}`,
          dpop: await proof(key, {
            htm: 'GET',
            htu: `${ISSUER}/userinfo`,
            accessToken: bound,
            nonce,
          }),
        },
      });

    it('a proof without the nonce is 401 with a DPoP challenge naming use_dpop_nonce, and DPoP-Nonce', async () => {
      const response = await userinfo();
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual(USE_NONCE);
      expect(response.headers['www-authenticate']).toBe(
        'DPoP algs="ES256 RS256 PS256 EdDSA", error="use_dpop_nonce", error_description="the DPoP proof must carry the nonce of the DPoP-Nonce header"',
      );
      expect(response.headers['dpop-nonce']).toMatch(NONCE);
    });

    it('with the nonce it answers, carrying DPoP-Nonce', async () => {
      const nonce = (await userinfo()).headers['dpop-nonce'] as string;
      const response = await userinfo(nonce);
      expect(response.statusCode).toBe(200);
      expect(response.json().sub).toBe(user.id);
      expect(response.headers['dpop-nonce']).toBe(nonce);
    });

    it('a garbage nonce is 401 use_dpop_nonce', async () => {
      const response = await userinfo('garbage');
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual(USE_NONCE);
    });
  });
});

describe('DPoP server nonces, DPOP_NONCE=off (the default)', () => {
  let sut: TestApp;
  let machine: TestClient;
  let key: DpopKey;

  before(async () => {
    sut = await startTestApp();
    machine = await m2m(sut);
    key = await dpopKey('EdDSA');
  });
  after(() => sut.close());

  it('takes proofs without a nonce, and sends no DPoP-Nonce', async () => {
    const response = await tokenRequest(
      sut,
      machine,
      { grant_type: 'client_credentials' },
      { dpop: await proof(key) },
    );
    expect(response.statusCode).toBe(200);
    expect(response.json().token_type).toBe('DPoP');
    expect(response.headers).not.toHaveProperty('dpop-nonce');
  });

  it('ignores a nonce it never asked for', async () => {
    const response = await tokenRequest(
      sut,
      machine,
      { grant_type: 'client_credentials' },
      { dpop: await proof(key, { nonce: 'whatever' }) },
    );
    expect(response.statusCode).toBe(200);
  });
});
