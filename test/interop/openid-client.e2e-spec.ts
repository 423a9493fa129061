import { expect } from 'expect';
import { calculateJwkThumbprint, decodeJwt, exportJWK } from 'jose';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import {
  createClient,
  createPublicClient,
  createUser,
  REDIRECT_URI,
  TestClient,
  TestUser,
} from '../support/code-flow';
import { signInThroughPages } from '../support/fetch-browser';
import { startListeningApp } from '../support/listening-app';
import { TestApp } from '../support/test-app';

/** What the library sent and got, one line per request, read through its customFetch hook. */
interface Exchange {
  path: string;
  withProof: boolean;
  /** The proof's `nonce`, when it carried one. */
  proofNonce?: string;
  status: number;
  error?: string;
  dpopNonce: string | null;
}

function recording(config: oidc.Configuration): Exchange[] {
  const seen: Exchange[] = [];
  config[oidc.customFetch] = async (url, options) => {
    const response = await fetch(url, options);
    const proof = options.headers.dpop ?? options.headers.DPoP;
    let error: string | undefined;
    if (response.status >= 400) {
      error = ((await response.clone().json()) as { error?: string }).error;
    }
    seen.push({
      path: new URL(url).pathname,
      withProof: proof !== undefined,
      ...(proof !== undefined && typeof decodeJwt(proof).nonce === 'string'
        ? { proofNonce: decodeJwt(proof).nonce as string }
        : {}),
      status: response.status,
      ...(error !== undefined ? { error } : {}),
      dpopNonce: response.headers.get('dpop-nonce'),
    });
    return response;
  };
  return seen;
}

/**
 * Interoperability: openid-client v6 (a certified OpenID Relying Party library) speaks DPoP
 * (RFC 9449) with its own proofs against a running server over a real socket: the code flow,
 * refresh and userinfo, with and without server nonces (it retries on use_dpop_nonce itself);
 * and client_secret_jwt (RFC 7523 §2.2) with its own assertions.
 */
for (const nonce of ['off', 'required'] as const) {
  describe(`openid-client with DPoP, DPOP_NONCE=${nonce}`, () => {
    let sut: TestApp;
    let base: string;
    let user: TestUser;
    const insecure = { execute: [oidc.allowInsecureRequests] };

    before(async () => {
      ({ sut, issuer: base } = await startListeningApp({ DPOP_NONCE: nonce }));
      user = await createUser(sut, { email_verified: true });
    });
    after(() => sut.close());

    const cases: {
      kind: string;
      register: (sut: TestApp) => Promise<TestClient>;
      auth: (client: TestClient) => oidc.ClientAuth;
      /** Through /par with the proof there (RFC 9449 §10.1), or straight to /authorize. */
      par: boolean;
    }[] = [
      {
        kind: 'a public client, straight to /authorize',
        register: (app) => createPublicClient(app),
        auth: () => oidc.None(),
        par: false,
      },
      {
        kind: 'a confidential client with dpop_bound_access_tokens, through /par',
        register: (app) => createClient(app, { dpop_bound_access_tokens: true }),
        auth: (client) => oidc.ClientSecretBasic(client.client_secret),
        par: true,
      },
    ];

    for (const { kind, register, auth, par } of cases) {
      it(`${kind}: code, refresh and userinfo, every token bound to the library's key`, async () => {
        const client = await register(sut);
        const config = await oidc.discovery(
          new URL(base),
          client.client_id,
          undefined,
          auth(client),
          insecure,
        );
        expect(config.serverMetadata().dpop_signing_alg_values_supported).toEqual([
          'ES256',
          'RS256',
          'PS256',
          'EdDSA',
        ]);
        const seen = recording(config);
        const keyPair = await oidc.randomDPoPKeyPair('ES256');
        const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey), 'sha256');
        const DPoP = oidc.getDPoPHandle(config, keyPair);

        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        const parameters = {
          redirect_uri: REDIRECT_URI,
          scope: 'openid profile email offline_access',
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
        };
        const url = par
          ? await oidc.buildAuthorizationUrlWithPAR(config, parameters, { DPoP })
          : // RFC 9449 §10: without /par the client binds the code with dpop_jkt.
            oidc.buildAuthorizationUrl(config, { ...parameters, dpop_jkt: jkt });
        const callback = await signInThroughPages(base, url, user);

        const tokens = await oidc.authorizationCodeGrant(
          config,
          callback,
          { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true },
          undefined,
          { DPoP },
        );
        expect(tokens.token_type).toBe('dpop');
        expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt });
        expect(tokens.claims()).toMatchObject({ sub: user.id, aud: client.client_id });

        const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id, { DPoP });
        expect(info).toMatchObject({ sub: user.id, email_verified: true });

        const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!, undefined, {
          DPoP,
        });
        expect(refreshed.token_type).toBe('dpop');
        expect(decodeJwt(refreshed.access_token).cnf).toEqual({ jkt });
        expect(
          (await oidc.fetchUserInfo(config, refreshed.access_token, user.id, { DPoP })).sub,
        ).toBe(user.id);

        // Without its proof the bound token is refused at /userinfo (RFC 9449 §7.2).
        const asBearer = await oidc
          .fetchUserInfo(config, refreshed.access_token, user.id)
          .catch((error: unknown) => error);
        expect(asBearer).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
        expect(asBearer).toMatchObject({ status: 401 });

        const withProof = seen.filter((exchange) => exchange.withProof);
        if (nonce === 'off') {
          // Every proof passed at once, and no nonce was ever asked for or sent.
          expect(withProof.map(({ status }) => status)).toEqual(
            withProof.map(({ path }) => (path === '/par' ? 201 : 200)),
          );
          expect(seen.every((exchange) => exchange.dpopNonce === null)).toBe(true);
          expect(withProof.every((exchange) => exchange.proofNonce === undefined)).toBe(true);
        } else {
          // The first proof had no nonce: use_dpop_nonce, and the library retried with it.
          const [first, second] = withProof;
          expect(first).toMatchObject({
            path: par ? '/par' : '/token',
            status: 400,
            error: 'use_dpop_nonce',
            dpopNonce: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
          });
          expect(first.proofNonce).toBeUndefined();
          expect(second).toMatchObject({ path: first.path, proofNonce: first.dpopNonce });
          expect(second.status).toBeLessThan(300);
          // After that every proof carried the nonce the server handed out.
          for (const exchange of withProof.slice(1)) {
            expect(exchange.status).toBeLessThan(300);
            expect(exchange.proofNonce).toEqual(exchange.dpopNonce);
          }
        }
      });
    }
  });
}

describe('openid-client with client_secret_jwt (RFC 7523 §2.2)', () => {
  let sut: TestApp;
  let base: string;

  before(async () => {
    ({ sut, issuer: base } = await startListeningApp());
  });
  after(() => sut.close());

  // oauth4webapi, under openid-client, signs its assertions with HS256 only.
  for (const alg of ['HS256'] as const) {
    it(`client_credentials with the library's ${alg} assertion`, async () => {
      const created = await sut.admin('POST', '/admin/clients', {
        client_name: `hmac service ${alg}`,
        client_type: 'm2m',
        token_endpoint_auth_method: 'client_secret_jwt',
        token_endpoint_auth_signing_alg: alg,
        scope: 'jobs',
      });
      expect(created.statusCode).toBe(201);
      const { client_id, client_secret } = created.json();
      const config = await oidc.discovery(
        new URL(base),
        client_id,
        { token_endpoint_auth_signing_alg: alg },
        oidc.ClientSecretJwt(client_secret),
        { execute: [oidc.allowInsecureRequests] },
      );
      const tokens = await oidc.clientCredentialsGrant(config, { scope: 'jobs' });
      expect(tokens.token_type).toBe('bearer');
      expect(tokens.scope).toBe('jobs');
      expect(decodeJwt(tokens.access_token)).toMatchObject({ client_id, sub: client_id });

      const wrong = await oidc.discovery(
        new URL(base),
        client_id,
        { token_endpoint_auth_signing_alg: alg },
        oidc.ClientSecretJwt('x'.repeat(86)),
        { execute: [oidc.allowInsecureRequests] },
      );
      const refused = await oidc.clientCredentialsGrant(wrong).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(oidc.ResponseBodyError);
      expect(refused).toMatchObject({ status: 401, error: 'invalid_client' });
    });
  }
});
