import { expect } from 'expect';
import { decodeJwt } from 'jose';
import { after, before, describe, it } from 'node:test';
import { TestBrowser } from '../support/browser';
import {
  createUser,
  REDIRECT_URI,
  signInForTokens,
  TestClient,
  TestUser,
  tokenRequest,
  userinfo,
} from '../support/code-flow';
import { InjectResult, startTestApp, TestApp } from '../support/test-app';

/**
 * OpenID Connect Dynamic Client Registration 1.0 has no `scope` member: a relying party that
 * registers as the OpenID Foundation's Dynamic OP tests do must be able to sign people in.
 */
describe('OpenID Connect Dynamic Registration without scope', () => {
  let sut: TestApp;
  let alice: TestUser;

  before(async () => {
    sut = await startTestApp({ REGISTRATION_MODE: 'open' });
    alice = await createUser(sut, { given_name: 'Alice', family_name: 'Liddell' });
  });
  after(() => sut.close());

  const register = (body: object): Promise<InjectResult> =>
    sut.request({
      method: 'POST',
      url: '/register',
      headers: { 'content-type': 'application/json' },
      payload: body,
    });

  async function registered(body: object): Promise<TestClient & Record<string, unknown>> {
    const response = await register(body);
    expect(response.statusCode).toBe(201);
    return response.json();
  }

  it('a code-flow client registered without scope may use openid, profile and email', async () => {
    const client = await registered({ redirect_uris: [REDIRECT_URI], client_name: 'RP' });
    expect(client.scope).toBe('openid profile email');
    expect(client.grant_types).toEqual(['authorization_code']);

    const tokens = await signInForTokens(sut, client, alice, { scope: 'openid', nonce: 'n-0S6' });
    expect(tokens.scope).toBe('openid');
    expect(decodeJwt(tokens.id_token!)).toMatchObject({
      sub: alice.id,
      aud: client.client_id,
      nonce: 'n-0S6',
    });
    expect(tokens.refresh_token).toBeUndefined();

    const full = await signInForTokens(sut, client, alice, { scope: 'openid profile email' });
    const claims = await userinfo(sut, full.access_token);
    expect(claims.statusCode).toBe(200);
    expect(claims.json()).toMatchObject({
      sub: alice.id,
      preferred_username: alice.username,
      given_name: 'Alice',
      email: `${alice.username}@example.com`,
    });
  });

  it('with the refresh_token grant it may also use offline_access', async () => {
    const client = await registered({
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
    });
    expect(client.scope).toBe('openid profile email offline_access');
    const tokens = await signInForTokens(sut, client, alice, { scope: 'openid offline_access' });
    expect(tokens.scope).toBe('openid offline_access');
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });

  it('never Gatehouse’s own scopes: asking for openid iam:admin or iam:check is invalid_scope', async () => {
    const client = await registered({ redirect_uris: [REDIRECT_URI] });
    for (const scope of ['openid iam:admin', 'openid iam:check']) {
      const step = await new TestBrowser(sut).get(
        `/authorize?${new URLSearchParams({
          response_type: 'code',
          client_id: client.client_id,
          redirect_uri: REDIRECT_URI,
          scope,
          state: 's1',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        }).toString()}`,
      );
      expect(step.statusCode).toBe(302);
      const callback = new URL(step.location!);
      expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
      expect(callback.searchParams.get('error')).toBe('invalid_scope');
      expect(callback.searchParams.get('state')).toBe('s1');
    }
  });

  it('a client_credentials client registered without scope gets no scope at all', async () => {
    const client = await registered({
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(client.scope).toBe('');
    const token = await tokenRequest(sut, client, { grant_type: 'client_credentials' });
    expect(token.statusCode).toBe(200);
    expect(token.json().scope ?? '').toBe('');
    const asked = await tokenRequest(sut, client, {
      grant_type: 'client_credentials',
      scope: 'openid',
    });
    expect({ status: asked.statusCode, error: asked.json().error }).toEqual({
      status: 400,
      error: 'invalid_scope',
    });
  });

  it('a registered scope is kept as given: the default is only for a registration without one', async () => {
    const client = await registered({ redirect_uris: [REDIRECT_URI], scope: 'openid' });
    expect(client.scope).toBe('openid');
  });

  it('PUT without scope (RFC 7592 §2.2) returns the client to the same default', async () => {
    const client = await registered({ redirect_uris: [REDIRECT_URI], scope: 'openid' });
    const replaced = await sut.request({
      method: 'PUT',
      url: `/register/${client.client_id}`,
      headers: {
        authorization: `Bearer ${client.registration_access_token as string}`,
        'content-type': 'application/json',
      },
      payload: {
        client_id: client.client_id,
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
      },
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json().scope).toBe('openid profile email offline_access');
  });
});
