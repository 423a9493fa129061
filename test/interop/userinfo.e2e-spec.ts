import { expect } from 'expect';
import { decodeJwt } from 'jose';
import { after, before, describe, it } from 'node:test';
import {
  createClient,
  createUser,
  signInForTokens,
  TestClient,
  TestUser,
  TokenSet,
  userinfo,
} from '../support/code-flow';
import { formBody, InjectResult, startTestApp, TestApp } from '../support/test-app';

const INVALID_REQUEST_CHALLENGE = 'Bearer realm="gatehouse", error="invalid_request"';

/** UserInfo as relying parties and the OpenID Foundation's tests call it. */
describe('userinfo interoperability (OIDC Core §5.3, RFC 6750 §2)', () => {
  let sut: TestApp;
  let user: TestUser;
  let client: TestClient;
  let tokens: TokenSet;
  let expected: Record<string, unknown>;

  before(async () => {
    sut = await startTestApp();
    user = await createUser(sut, {
      name: 'Alice Liddell',
      given_name: 'Alice',
      family_name: 'Liddell',
      email_verified: true,
    });
    client = await createClient(sut);
    tokens = await signInForTokens(sut, client, user, { scope: 'openid profile email' });
    const account = (await sut.admin('GET', `/admin/users/${user.id}`)).json();
    expected = {
      sub: user.id,
      preferred_username: user.username,
      name: 'Alice Liddell',
      given_name: 'Alice',
      family_name: 'Liddell',
      updated_at: Math.floor(new Date(account.updated_at).getTime() / 1000),
      email: `${user.username}@example.com`,
      email_verified: true,
    };
  });
  after(() => sut.close());

  const postForm = (
    form: Record<string, string | string[]>,
    headers: Record<string, string> = {},
  ) =>
    sut.request({
      method: 'POST',
      url: '/userinfo',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: formBody(form),
    });

  function expectClaims(response: InjectResult) {
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual(expected);
  }

  describe('the access token in a POST body (RFC 6750 §2.2)', () => {
    it('is accepted as access_token in an application/x-www-form-urlencoded body', async () => {
      expectClaims(await postForm({ access_token: tokens.access_token }));
      expectClaims(
        await sut.request({
          method: 'POST',
          url: '/userinfo',
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
          payload: `access_token=${encodeURIComponent(tokens.access_token)}`,
        }),
      );
    });

    it('answers exactly what the Authorization header gets', async () => {
      const viaHeader = await userinfo(sut, tokens.access_token);
      expectClaims(viaHeader);
      expect((await postForm({ access_token: tokens.access_token })).json()).toEqual(
        viaHeader.json(),
      );
    });

    it('is 400 invalid_request when the header and the body both carry a token (RFC 6750 §2, §3.1)', async () => {
      const response = await postForm(
        { access_token: tokens.access_token },
        { authorization: `Bearer ${tokens.access_token}` },
      );
      expect({
        status: response.statusCode,
        body: response.json(),
        challenge: response.headers['www-authenticate'],
      }).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          error_description:
            'send the access token in the Authorization header or the body, not both',
        },
        challenge: INVALID_REQUEST_CHALLENGE,
      });
    });

    it('is 400 invalid_request when access_token is repeated', async () => {
      const response = await postForm({ access_token: [tokens.access_token, tokens.access_token] });
      expect({ status: response.statusCode, body: response.json() }).toEqual({
        status: 400,
        body: { error: 'invalid_request', error_description: 'access_token: is repeated' },
      });
    });

    it('is 401 invalid_token for a bad token in the body', async () => {
      for (const bad of ['not-a-token', 'two words', '']) {
        const response = await postForm({ access_token: bad });
        expect({ status: response.statusCode, error: response.json().error }).toEqual({
          status: 401,
          error: 'invalid_token',
        });
        expect(response.headers['www-authenticate']).toMatch(
          /^Bearer realm="gatehouse", error="invalid_token"/,
        );
      }
    });

    it('is 403 insufficient_scope for a body token without openid', async () => {
      const narrow = await signInForTokens(sut, client, user, { scope: 'profile' });
      const response = await postForm({ access_token: narrow.access_token });
      expect({ status: response.statusCode, error: response.json().error }).toEqual({
        status: 403,
        error: 'insufficient_scope',
      });
    });

    it('is not read from a JSON body or from the query (RFC 6750 §2.2, §2.3): 401 with a bare challenge', async () => {
      const json = await sut.request({
        method: 'POST',
        url: '/userinfo',
        headers: { 'content-type': 'application/json' },
        payload: { access_token: tokens.access_token },
      });
      const query = await sut.request({
        method: 'GET',
        url: `/userinfo?access_token=${tokens.access_token}`,
      });
      for (const response of [json, query]) {
        expect({
          status: response.statusCode,
          challenge: response.headers['www-authenticate'],
        }).toEqual({ status: 401, challenge: 'Bearer realm="gatehouse"' });
      }
    });
  });

  describe('profile (OIDC Core §5.4)', () => {
    it('gives every standard profile claim the user record holds, at userinfo and in the ID token', async () => {
      const profile = await signInForTokens(sut, client, user, { scope: 'openid profile' });
      const profileClaims = Object.fromEntries(
        Object.entries(expected).filter(([name]) => !name.startsWith('email')),
      );
      const response = await userinfo(sut, profile.access_token);
      expect(response.json()).toEqual(profileClaims);
      expect(decodeJwt(profile.id_token!)).toMatchObject(profileClaims);
    });

    it('discovery lists every claim userinfo can answer', async () => {
      const metadata = (
        await sut.request({ method: 'GET', url: '/.well-known/openid-configuration' })
      ).json();
      expect(metadata.claims_supported).toEqual(expect.arrayContaining(Object.keys(expected)));
    });
  });

  describe('the claims request parameter (OIDC Core §5.5)', () => {
    it('is not advertised, since it is not supported (OIDC Discovery §3: absent means false)', async () => {
      const metadata = (
        await sut.request({ method: 'GET', url: '/.well-known/openid-configuration' })
      ).json();
      expect(metadata).not.toHaveProperty('claims_parameter_supported');
    });
  });
});
