import { Client } from '../clients/client';
import { GatehouseError } from '../common/errors';
import { InvalidRequestError } from '../common/oauth-error';

/** A validated /authorize request, carried through login and consent. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  /** RFC 6749 §4.1.3: the token request must repeat redirect_uri when the request named it. */
  redirectUriGiven: boolean;
  scopes: string[];
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256';
  /** RFC 9449 §10: the thumbprint of the DPoP key the code is bound to. */
  dpopJkt?: string;
  prompt: Array<'none' | 'login' | 'consent'>;
  /** OIDC Core §3.1.2.1 max_age, seconds. */
  maxAge?: number;
  loginHint?: string;
  /** OIDC Core §3.1.2.1 acr_values, in order of preference. */
  acrValues?: string[];
  /** Epoch ms when the request arrived: prompt=login wants a sign-in after this. */
  requestedAt: number;
}

/** An error to show on our own page: the client or redirect URI cannot be trusted. */
export class UntrustedRequestError extends InvalidRequestError {}

/** An error to send back to the client's redirect URI (RFC 6749 §4.1.2.1). */
export class RedirectableError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly redirectUri: string,
    readonly state?: string,
  ) {
    super(description);
  }

  /** `cause`, sent back to the verified `redirectUri` with `state`. */
  static of(cause: GatehouseError, redirectUri: string, state?: string): RedirectableError {
    return new RedirectableError(cause.error, cause.description, redirectUri, state);
  }
}

const LOOPBACK = /^http:\/\/(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d+)?\//;

/**
 * RFC 6749 §3.1.2.3 exact string comparison, except that the port of a loopback redirect may
 * vary (RFC 8252 §7.3: native apps listen on an ephemeral port).
 */
export function redirectUriMatches(requested: string, registered: string): boolean {
  if (requested === registered) return true;
  // Everything but the port is still compared as a string: no URL normalisation.
  const withoutPort = (uri: string) => uri.replace(LOOPBACK, 'http://$1/');
  return (
    LOOPBACK.test(requested) &&
    LOOPBACK.test(registered) &&
    withoutPort(requested) === withoutPort(registered)
  );
}

/** Picks the redirect URI the request names, or the only one registered. */
export function resolveRedirectUri(client: Client, requested: string | undefined): string {
  if (requested === undefined) {
    if (client.redirectUris.length === 1) return client.redirectUris[0];
    throw new UntrustedRequestError('redirect_uri is required: the client registered several');
  }
  if (!client.redirectUris.some((registered) => redirectUriMatches(requested, registered))) {
    throw new UntrustedRequestError('redirect_uri is not registered for this client');
  }
  return requested;
}
