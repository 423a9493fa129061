import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { AUDIT_USER_AGENT, auditEvent, AuditItem } from './support/audit';
import {
  authorizeAndGetCode,
  createClient,
  createPublicClient,
  pkcePair,
  REDIRECT_URI,
  createUser,
  exchangeCode,
  TestClient,
  tokenRequest,
} from './support/code-flow';
import { dpopKey, DpopKey, ISSUER, proof } from './support/dpop-proofs';
import { basicAuth, startTestApp, TestApp } from './support/test-app';

/** RFC 9449 §11: refused DPoP requests are audited, without the proof, token or key. */
describe('audit of refused DPoP proofs', () => {
  let sut: TestApp;
  let machine: TestClient;
  let spa: TestClient;
  let web: TestClient;
  let key: DpopKey;
  /** Everything secret a refused request carried: none of it may reach the log. */
  const secrets: string[] = [];

  before(async () => {
    sut = await startTestApp({ DPOP_NONCE: 'required' });
    const created = await sut.admin('POST', '/admin/clients', {
      client_name: 'Machine',
      client_type: 'm2m',
    });
    machine = { client_id: created.json().client_id, client_secret: created.json().client_secret };
    spa = await createPublicClient(sut);
    web = await createClient(sut);
    key = await dpopKey('ES256');
  });
  after(() => sut.close());

  const events = async (): Promise<AuditItem[]> =>
    (await sut.admin('GET', '/admin/audit-events?type=dpop.refused&limit=200')).json();

  const token = async (dpop: string) => {
    secrets.push(dpop);
    return tokenRequest(
      sut,
      machine,
      { grant_type: 'client_credentials' },
      { dpop, 'user-agent': AUDIT_USER_AGENT },
    );
  };

  it('records an invalid proof and a missing nonce at /token, by the authenticated client', async () => {
    expect((await token(await proof(key, { htm: 'GET' }))).statusCode).toBe(400);
    const nonceless = await token(await proof(key));
    expect(nonceless.json().error).toBe('use_dpop_nonce');
    const actor = { type: 'client', id: machine.client_id };
    await eventually(async () => {
      expect(await events()).toEqual(
        expect.arrayContaining([
          auditEvent({
            type: 'dpop.refused',
            outcome: 'failure',
            actor,
            details: {
              endpoint: '/token',
              error: 'invalid_dpop_proof',
              reason: 'htm does not match',
            },
          }),
          auditEvent({
            type: 'dpop.refused',
            outcome: 'failure',
            actor,
            details: { endpoint: '/token', error: 'use_dpop_nonce', reason: 'no nonce' },
          }),
        ]),
      );
    });
  });

  it('records at /userinfo a bound token sent as Bearer and a proof by another key', async () => {
    const user = await createUser(sut);
    const code = await authorizeAndGetCode(sut, spa, user);
    const nonce = (await tokenRequest(sut, machine, { grant_type: 'client_credentials' })).headers[
      'dpop-nonce'
    ] as string;
    const issued = await exchangeCode(sut, spa, code, {}, { dpop: await proof(key, { nonce }) });
    expect(issued.statusCode).toBe(200);
    const bound = issued.json().access_token as string;
    secrets.push(bound, issued.json().refresh_token as string);

    const asBearer = await sut.request({
      method: 'GET',
      url: '/userinfo',
      headers: { authorization: `Bearer ${bound}`, 'user-agent': AUDIT_USER_AGENT },
    });
    expect(asBearer.statusCode).toBe(401);
    const otherKey = await dpopKey('EdDSA');
    const foreign = await proof(otherKey, {
      htm: 'GET',
      htu: `${ISSUER}/userinfo`,
      accessToken: bound,
      nonce,
    });
    secrets.push(foreign);
    const byAnother = await sut.request({
      method: 'GET',
      url: '/userinfo',
      headers: { authorization: `DPoP ${bound}`, dpop: foreign, 'user-agent': AUDIT_USER_AGENT },
    });
    expect(byAnother.statusCode).toBe(401);
    expect(byAnother.json().error).toBe('invalid_dpop_proof');

    const actor = { type: 'client', id: spa.client_id };
    await eventually(async () => {
      expect(await events()).toEqual(
        expect.arrayContaining([
          auditEvent({
            type: 'dpop.refused',
            outcome: 'failure',
            actor,
            details: {
              endpoint: '/userinfo',
              error: 'invalid_token',
              reason: 'a DPoP-bound token presented as Bearer',
            },
          }),
          auditEvent({
            type: 'dpop.refused',
            outcome: 'failure',
            actor,
            details: {
              endpoint: '/userinfo',
              error: 'invalid_dpop_proof',
              reason: 'the proof key is not the one the token is bound to',
            },
          }),
        ]),
      );
    });
  });

  it('records a refused proof at /par, by the authenticated client', async () => {
    const pushed = await sut.postForm(
      '/par',
      {
        response_type: 'code',
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      },
      {
        authorization: basicAuth(web.client_id, web.client_secret!),
        dpop: await proof(key, { htu: `${ISSUER}/par` }),
        'user-agent': AUDIT_USER_AGENT,
      },
    );
    expect(pushed.statusCode).toBe(400);
    expect(pushed.json().error).toBe('use_dpop_nonce');
    await eventually(async () => {
      expect(await events()).toEqual(
        expect.arrayContaining([
          auditEvent({
            type: 'dpop.refused',
            outcome: 'failure',
            actor: { type: 'client', id: web.client_id },
            details: { endpoint: '/par', error: 'use_dpop_nonce', reason: 'no nonce' },
          }),
        ]),
      );
    });
  });

  it('no event holds a proof, a token or key material', async () => {
    const logged = JSON.stringify(await events());
    expect(logged).toContain('dpop.refused');
    for (const secret of secrets) {
      expect(logged).not.toContain(secret);
      for (const part of secret.split('.')) expect(logged).not.toContain(part);
    }
    expect(logged).not.toContain(key.jkt);
    expect(logged).not.toContain(String(key.jwk.x));
  });
});

/** Runs `check` until it passes or 3 s pass: audit lines of refusals are written without waiting. */
async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 3000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
