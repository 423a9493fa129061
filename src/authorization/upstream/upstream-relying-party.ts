import { Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { ReadThroughCache } from '../../common/read-through-cache';
import { Clock } from '../../common/clock';
import { IdentityProvider } from '../../identity-providers/identity-provider';
import { isLoopbackHost } from '../../identity-providers/identity-provider.policy';
import { IdentityProvidersService } from '../../identity-providers/identity-providers.service';
import { AppConfig } from '../../config/app-config';
import { UpstreamClaims } from './federated-profile';

/** How long a discovered upstream configuration is used before it is fetched again. */
const DISCOVERY_TTL_MS = 10 * 60 * 1000;
/** How many upstream configurations are kept; the oldest makes room. */
const DISCOVERY_MAX_ENTRIES = 100;
/** Seconds an upstream has to answer one request (discovery, JWKS, token). */
const UPSTREAM_TIMEOUT_SECONDS = 10;

/**
 * Why an upstream sign-in could not finish, as the pages and the audit log name it:
 * - `unreachable`: the upstream did not answer (503);
 * - `provider_error`: it answered the callback with an error (RFC 6749 §4.1.2.1), such as
 *   access_denied (400);
 * - `token_refused`: its token endpoint refused the code (502);
 * - `invalid_response`: something it sent did not verify: the ID token's issuer, audience,
 *   nonce, signature or times, or the `iss` response parameter (RFC 9207) (502).
 */
export type UpstreamFailure =
  'unreachable' | 'provider_error' | 'token_refused' | 'invalid_response';

export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    /** Logged and audited, never shown: an OAuth error code or openid-client's error code. */
    readonly detail: string,
  ) {
    super(`${failure}: ${detail}`);
  }
}

/** The values an authorization request sends and its callback checks. */
export interface AuthorizationChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/**
 * Gatehouse as an OpenID Connect Relying Party of an upstream provider, through openid-client:
 * discovery (OIDC Discovery §4, the issuer checked), the authorization code flow with PKCE
 * (RFC 7636), and the callback's checks: state, the `iss` response parameter (RFC 9207) when the
 * upstream sends or announces it, and the ID token (OIDC Core §3.1.3.7: issuer, audience,
 * signature against the upstream's JWKS, nonce, times).
 */
@Injectable()
export class UpstreamRelyingParty {
  private readonly logger = new Logger(UpstreamRelyingParty.name);
  /** Keyed by the provider's id and last change: a change to it is never served stale. */
  private readonly configurations: ReadThroughCache<string, oidc.Configuration>;
  /** The provider behind a key while its load starts (read synchronously by the cache's load). */
  private readonly loading = new Map<string, IdentityProvider>();

  constructor(
    private readonly providers: IdentityProvidersService,
    private readonly config: AppConfig,
    clock: Clock,
  ) {
    this.configurations = new ReadThroughCache({
      load: (key) => this.discover(this.loading.get(key)!),
      ttlMs: DISCOVERY_TTL_MS,
      maxSize: DISCOVERY_MAX_ENTRIES,
      now: () => clock.now(),
    });
  }

  /** The upstream's configuration, discovered at most once per TTL; UpstreamError if it is down. */
  async configuration(provider: IdentityProvider): Promise<oidc.Configuration> {
    const key = `${provider.id}:${provider.updatedAt.getTime()}`;
    this.loading.set(key, provider);
    try {
      return await this.configurations.get(key);
    } finally {
      this.loading.delete(key);
    }
  }

  authorizationUrl(
    configuration: oidc.Configuration,
    provider: IdentityProvider,
    redirectUri: string,
    checks: { state: string; nonce: string; codeChallenge: string },
  ): URL {
    return oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: provider.scope,
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: checks.codeChallenge,
      code_challenge_method: 'S256',
    });
  }

  /**
   * Redeems the code of a callback (`callback`: our redirect URI with the query the upstream
   * sent) and verifies everything; the ID token's claims, or UpstreamError.
   */
  async redeem(
    configuration: oidc.Configuration,
    callback: URL,
    checks: AuthorizationChecks,
  ): Promise<UpstreamClaims> {
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callback, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new UpstreamError('invalid_response', 'no ID token');
      // OIDC Core §2: `sub` is at most 255 ASCII characters; anything else links nothing.
      if (!/^[\x21-\x7e]{1,255}$/.test(claims.sub))
        throw new UpstreamError('invalid_response', 'sub is not 1 to 255 ASCII characters');
      return {
        ...(await this.profileClaims(configuration, tokens.access_token, claims)),
        ...claims,
      };
    } catch (error) {
      throw classify(error);
    }
  }

  /**
   * OIDC Core §5.4: the `email` and `profile` claims may come from the UserInfo endpoint rather
   * than the ID token. Asked only when the ID token has no email; openid-client checks that the
   * answer is about the same `sub` (§5.3.2). The ID token's claims win where both have one.
   */
  private async profileClaims(
    configuration: oidc.Configuration,
    accessToken: string,
    claims: UpstreamClaims,
  ): Promise<Partial<UpstreamClaims>> {
    if (claims.email !== undefined || !configuration.serverMetadata().userinfo_endpoint) return {};
    const info = await oidc.fetchUserInfo(configuration, accessToken, claims.sub);
    const { email, email_verified, preferred_username, name, given_name, family_name } = info;
    return { email, email_verified, preferred_username, name, given_name, family_name };
  }

  private async discover(provider: IdentityProvider): Promise<oidc.Configuration> {
    const secret = await this.providers.clientSecret(provider);
    const issuer = new URL(provider.issuer);
    // http only where the admin API allowed it: a loopback host, or a server running on http.
    const insecure =
      issuer.protocol === 'http:' &&
      (isLoopbackHost(issuer.hostname) || this.config.issuer.startsWith('http:'));
    try {
      return await oidc.discovery(
        issuer,
        provider.clientId,
        undefined,
        // RFC 6749 §2.3.1: every authorization server supports HTTP Basic for client secrets.
        oidc.ClientSecretBasic(secret),
        {
          timeout: UPSTREAM_TIMEOUT_SECONDS,
          execute: [
            ...(insecure ? [oidc.allowInsecureRequests] : []),
            // OIDC Core §3.1.3.7 lets a client trust TLS instead of the ID token's signature;
            // we check the signature against the upstream's JWKS as well.
            oidc.enableNonRepudiationChecks,
          ],
        },
      );
    } catch (error) {
      const failure = classify(error);
      this.logger.warn(`discovery of ${provider.alias} failed: ${failure.detail}`);
      // Whatever went wrong, the person sees an upstream that cannot be used now.
      throw new UpstreamError('unreachable', failure.detail);
    }
  }
}

/** What an openid-client error means for the person (see UpstreamFailure). */
export function classify(error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (error instanceof oidc.AuthorizationResponseError)
    return new UpstreamError('provider_error', error.error);
  if (error instanceof oidc.ResponseBodyError)
    return new UpstreamError('token_refused', error.error);
  if (error instanceof oidc.ClientError) {
    const code = error.code ?? 'client_error';
    const unreachable =
      code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || code === 'OAUTH_RESPONSE_IS_NOT_JSON';
    return new UpstreamError(unreachable ? 'unreachable' : 'invalid_response', code);
  }
  if (error instanceof oidc.WWWAuthenticateChallengeError)
    return new UpstreamError('token_refused', 'www_authenticate');
  // fetch failures (TypeError), timeouts (TimeoutError, AbortError), refused connections.
  const name = error instanceof Error ? error.name : 'unknown';
  return new UpstreamError('unreachable', name);
}
