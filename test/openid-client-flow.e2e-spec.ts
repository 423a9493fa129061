import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import {
  createClient,
  createPublicClient,
  createUser,
  REDIRECT_URI,
  TestClient,
  TestUser,
} from './support/code-flow';
import { signInThroughPages } from './support/fetch-browser';
import { startListeningApp } from './support/listening-app';
import { TestApp } from './support/test-app';

/**
 * Interoperability: openid-client (v6, certified OpenID Relying Party library) runs the whole
 * authorization code flow against the server over a real socket: discovery, PKCE, the login and
 * consent pages, the code exchange with ID token validation, userinfo, refresh and reuse
 * detection. Once as a server-side app (confidential), once as a single-page app (public).
 */
describe('openid-client runs the authorization code flow against a running server', () => {
  let sut: TestApp;
  let base: string;
  let user: TestUser;
  const insecure = { execute: [oidc.allowInsecureRequests] };

  before(async () => {
    ({ sut, issuer: base } = await startListeningApp());
    user = await createUser(sut, { email_verified: true });
  });
  after(() => sut.close());

  const cases: {
    kind: string;
    register: (sut: TestApp) => Promise<TestClient>;
    auth: (client: TestClient) => oidc.ClientAuth;
  }[] = [
    {
      kind: 'a confidential client (client_secret_basic)',
      register: (app) => createClient(app),
      auth: (client) => oidc.ClientSecretBasic(client.client_secret),
    },
    {
      kind: 'a public client (none, PKCE)',
      register: (app) => createPublicClient(app),
      auth: () => oidc.None(),
    },
  ];

  for (const { kind, register, auth } of cases) {
    describe(kind, () => {
      let client: TestClient;
      let config: oidc.Configuration;
      let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
      let refreshed: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

      before(async () => {
        client = await register(sut);
        config = await oidc.discovery(
          new URL(base),
          client.client_id,
          undefined,
          auth(client),
          insecure,
        );
      });

      it('discovers the issuer, its endpoints and S256 PKCE', () => {
        const metadata = config.serverMetadata();
        expect(metadata.issuer).toBe(base);
        expect(metadata.authorization_endpoint).toBe(`${base}/authorize`);
        expect(metadata.token_endpoint).toBe(`${base}/token`);
        expect(metadata.userinfo_endpoint).toBe(`${base}/userinfo`);
        expect(metadata.jwks_uri).toBe(`${base}/jwks`);
        expect(metadata.supportsPKCE()).toBe(true);
      });

      it('signs in through the pages and exchanges the code; the library validates the ID token', async () => {
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        const nonce = oidc.randomNonce();
        const url = oidc.buildAuthorizationUrl(config, {
          redirect_uri: REDIRECT_URI,
          scope: 'openid profile email offline_access',
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
          nonce,
        });
        expect(url.origin + url.pathname).toBe(`${base}/authorize`);

        const callback = await signInThroughPages(base, url, user);
        expect(callback.searchParams.get('state')).toBe(state);
        expect(callback.searchParams.get('iss')).toBe(base);

        tokens = await oidc.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: verifier,
          expectedState: state,
          expectedNonce: nonce,
          idTokenExpected: true,
        });
        expect(tokens.token_type).toBe('bearer');
        expect(tokens.scope).toBe('openid profile email offline_access');
        expect(tokens.refresh_token).toEqual(expect.any(String));
        expect(tokens.claims()).toMatchObject({
          iss: base,
          sub: user.id,
          aud: client.client_id,
          azp: client.client_id,
          nonce,
          preferred_username: user.username,
          email_verified: true,
        });
      });

      it('fetches userinfo for the same subject', async () => {
        const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
        expect(info).toEqual({
          sub: user.id,
          preferred_username: user.username,
          name: 'Alice Liddell',
          updated_at: expect.any(Number),
          email: `${user.username}@example.com`,
          email_verified: true,
        });
      });

      it('refreshes: a new refresh token and access token, the ID token validated again', async () => {
        refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
        expect(refreshed.refresh_token).toEqual(expect.any(String));
        expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
        expect(refreshed.access_token).not.toBe(tokens.access_token);
        expect(refreshed.claims()).toMatchObject({ sub: user.id, aud: client.client_id });
        const info = await oidc.fetchUserInfo(config, refreshed.access_token, user.id);
        expect(info.sub).toBe(user.id);
      });

      it('reuse of the rotated refresh token is invalid_grant and revokes the whole family', async () => {
        const reuse = await oidc
          .refreshTokenGrant(config, tokens.refresh_token!)
          .catch((error: unknown) => error);
        expect(reuse).toBeInstanceOf(oidc.ResponseBodyError);
        expect(reuse).toMatchObject({ status: 400, error: 'invalid_grant' });

        const newest = await oidc
          .refreshTokenGrant(config, refreshed.refresh_token!)
          .catch((error: unknown) => error);
        expect(newest).toBeInstanceOf(oidc.ResponseBodyError);
        expect(newest).toMatchObject({ status: 400, error: 'invalid_grant' });

        for (const accessToken of [tokens.access_token, refreshed.access_token]) {
          const denied = await oidc
            .fetchUserInfo(config, accessToken, user.id)
            .catch((error: unknown) => error);
          expect(denied).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
          expect(denied).toMatchObject({
            status: 401,
            cause: [
              {
                scheme: 'bearer',
                parameters: expect.objectContaining({ realm: 'gatehouse', error: 'invalid_token' }),
              },
            ],
          });
        }
      });
    });
  }
});
