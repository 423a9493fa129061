import { expect } from 'expect';
import { decodeJwt } from 'jose';
import { after, before, describe, it } from 'node:test';
import { dpopKey, DpopKey, proof } from './support/dpop-proofs';
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
import { startTestApp, TestApp } from './support/test-app';

const PROOF_REQUIRED = {
  error: 'invalid_request',
  error_description:
    'this client must send a DPoP proof with every token request (dpop_bound_access_tokens)',
};

describe('dpop_bound_access_tokens client metadata (RFC 9449 §5.2)', () => {
  let sut: TestApp;
  let user: TestUser;
  let key: DpopKey;

  before(async () => {
    sut = await startTestApp({ REGISTRATION_MODE: 'open' });
    user = await createUser(sut);
    key = await dpopKey('ES256');
  });
  after(() => sut.close());

  describe('in the admin API', () => {
    it('defaults to false, is set on create and update, and every view shows it', async () => {
      const created = await sut.admin('POST', '/admin/clients', {
        client_name: 'Bound service',
        client_type: 'm2m',
        dpop_bound_access_tokens: true,
      });
      expect(created.statusCode).toBe(201);
      expect(created.json().dpop_bound_access_tokens).toBe(true);
      const id = created.json().client_id as string;
      const read = await sut.admin('GET', `/admin/clients/${id}`);
      expect(read.json().dpop_bound_access_tokens).toBe(true);
      const listed = await sut.admin('GET', '/admin/clients?limit=100');
      const items = listed.json<{ client_id: string; dpop_bound_access_tokens: boolean }[]>();
      expect(items.find((item) => item.client_id === id)?.dpop_bound_access_tokens).toBe(true);
      const cleared = await sut.admin('PATCH', `/admin/clients/${id}`, {
        dpop_bound_access_tokens: false,
      });
      expect(cleared.statusCode).toBe(200);
      expect(cleared.json().dpop_bound_access_tokens).toBe(false);

      const plain = await sut.admin('POST', '/admin/clients', {
        client_name: 'Plain service',
        client_type: 'm2m',
      });
      expect(plain.json().dpop_bound_access_tokens).toBe(false);
    });

    it('a value that is not a boolean is 400 naming the field', async () => {
      for (const value of ['true', 1, {}]) {
        const response = await sut.admin('POST', '/admin/clients', {
          client_name: 'Bad',
          client_type: 'm2m',
          dpop_bound_access_tokens: value,
        });
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({
          error: 'invalid_request',
          message: 'dpop_bound_access_tokens: must be a boolean value',
          details: [{ field: 'dpop_bound_access_tokens', problem: 'must be a boolean value' }],
        });
      }
    });
  });

  describe('in dynamic registration (RFC 7591)', () => {
    const register = (body: object) =>
      sut.request({
        method: 'POST',
        url: '/register',
        headers: { 'content-type': 'application/json' },
        payload: body,
      });
    const SERVICE = {
      client_name: 'registered service',
      grant_types: ['client_credentials'],
      scope: 'reports.read',
      token_endpoint_auth_method: 'client_secret_basic',
    };

    it('registers a bound client and answers the metadata; reading it back shows it', async () => {
      const response = await register({ ...SERVICE, dpop_bound_access_tokens: true });
      expect(response.statusCode).toBe(201);
      const body = response.json();
      expect(body.dpop_bound_access_tokens).toBe(true);
      const read = await sut.request({
        method: 'GET',
        url: `/register/${body.client_id}`,
        headers: { authorization: `Bearer ${body.registration_access_token}` },
      });
      expect(read.statusCode).toBe(200);
      expect(read.json().dpop_bound_access_tokens).toBe(true);

      // The client it registered is held to it.
      const bare = await tokenRequest(
        sut,
        { client_id: body.client_id, client_secret: body.client_secret },
        { grant_type: 'client_credentials' },
      );
      expect(bare.statusCode).toBe(400);
      expect(bare.json()).toEqual(PROOF_REQUIRED);
    });

    it('leaves it out when false (the default)', async () => {
      const response = await register(SERVICE);
      expect(response.statusCode).toBe(201);
      expect(response.json()).not.toHaveProperty('dpop_bound_access_tokens');
    });

    it('a value that is not a boolean is 400 invalid_client_metadata naming the field', async () => {
      const response = await register({ ...SERVICE, dpop_bound_access_tokens: 'yes' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_client_metadata',
        error_description: 'dpop_bound_access_tokens: must be a boolean value',
      });
    });
  });

  describe('at /token', () => {
    let machine: TestClient;
    let web: TestClient;
    let spa: TestClient;

    before(async () => {
      const created = await sut.admin('POST', '/admin/clients', {
        client_name: 'Bound machine',
        client_type: 'm2m',
        dpop_bound_access_tokens: true,
      });
      machine = {
        client_id: created.json().client_id,
        client_secret: created.json().client_secret,
      };
      web = await createClient(sut, { dpop_bound_access_tokens: true });
      spa = await createPublicClient(sut, { dpop_bound_access_tokens: true });
    });

    it('client_credentials: refused without a proof, bound with one', async () => {
      const bare = await tokenRequest(sut, machine, { grant_type: 'client_credentials' });
      expect(bare.statusCode).toBe(400);
      expect(bare.json()).toEqual(PROOF_REQUIRED);
      expect(bare.headers['cache-control']).toBe('no-store');

      const bound = await tokenRequest(
        sut,
        machine,
        { grant_type: 'client_credentials' },
        { dpop: await proof(key) },
      );
      expect(bound.statusCode).toBe(200);
      expect(bound.json().token_type).toBe('DPoP');
      expect(decodeJwt(bound.json().access_token).cnf).toEqual({ jkt: key.jkt });
    });

    for (const [name, client] of [
      ['a confidential client', () => web],
      ['a public client', () => spa],
    ] as const) {
      it(`authorization_code and refresh_token of ${name}: each refused without a proof, the refusal burns nothing`, async () => {
        const code = await authorizeAndGetCode(sut, client(), user);
        const bare = await exchangeCode(sut, client(), code);
        expect(bare.statusCode).toBe(400);
        expect(bare.json()).toEqual(PROOF_REQUIRED);

        const issued = await exchangeCode(sut, client(), code, {}, { dpop: await proof(key) });
        expect(issued.statusCode).toBe(200);
        expect(issued.json().token_type).toBe('DPoP');
        const refreshToken = issued.json().refresh_token as string;

        const bareRefresh = await refresh(sut, client(), refreshToken);
        expect(bareRefresh.statusCode).toBe(400);
        expect(bareRefresh.json()).toEqual(PROOF_REQUIRED);

        const refreshed = await refresh(
          sut,
          client(),
          refreshToken,
          {},
          { dpop: await proof(key) },
        );
        expect(refreshed.statusCode).toBe(200);
        expect(refreshed.json().token_type).toBe('DPoP');
        expect(decodeJwt(refreshed.json().access_token).cnf).toEqual({ jkt: key.jkt });
      });
    }
  });
});
