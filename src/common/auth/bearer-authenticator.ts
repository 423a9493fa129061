/** What a verified Bearer access token says about its caller. */
export interface BearerPrincipal {
  sub: string;
  clientId: string;
  scopes: string[];
  jti: string;
  /** Sender-constrained (`cnf`, RFC 8705 §3, RFC 9449 §6): good only with its proof. */
  bound: boolean;
}

/**
 * Verifies a Bearer access token for Gatehouse's own APIs. Defined here so the admin guard can
 * depend on it without importing the tokens module; `tokens` provides the implementation.
 * Throws InvalidTokenError when the token is not good.
 */
export abstract class BearerAuthenticator {
  abstract authenticate(token: string): Promise<BearerPrincipal>;
}
