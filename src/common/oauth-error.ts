/**
 * OAuth 2.0 errors (RFC 6749 §5.2, RFC 6750 §3.1, RFC 7591 §3.2.2, RFC 8707 §2). Each carries a
 * public `error_description` and an internal `detail` that is logged, never sent
 * (node-oidc-provider `lib/helpers/errors.js`).
 */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly status: number,
    readonly description: string,
    readonly detail?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
    this.name = 'OAuthError';
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

type OAuthErrorClass = new (description: string, detail?: string) => OAuthError;

function oauthError(error: string, status: number): OAuthErrorClass {
  return class extends OAuthError {
    constructor(description: string, detail?: string) {
      super(error, status, description, detail);
    }
  };
}

export const InvalidRequestError = oauthError('invalid_request', 400);
export const InvalidGrantError = oauthError('invalid_grant', 400);
export const UnauthorizedClientError = oauthError('unauthorized_client', 400);
export const UnsupportedGrantTypeError = oauthError('unsupported_grant_type', 400);
export const InvalidScopeError = oauthError('invalid_scope', 400);
export const InvalidTargetError = oauthError('invalid_target', 400);
export const InvalidClientMetadataError = oauthError('invalid_client_metadata', 400);
export const InvalidRedirectUriError = oauthError('invalid_redirect_uri', 400);
export const AccessDeniedError = oauthError('access_denied', 403);
export const ServerError = oauthError('server_error', 500);
export const TemporarilyUnavailableError = oauthError('temporarily_unavailable', 503);

/**
 * The one public description of every client authentication failure: it points at the usual
 * cause (a library defaulting to another method than the registered one, docs/clients.md) and
 * says nothing about which check failed, so an unknown client reads exactly like a wrong secret.
 */
export const CLIENT_AUTHENTICATION_FAILED =
  'client authentication failed; check that the client uses its registered token_endpoint_auth_method';

/**
 * RFC 6749 §5.2: 401 when the client tried to authenticate; `WWW-Authenticate` names the scheme
 * it used through the Authorization header. `detail` (what failed) is logged, never sent.
 */
export class InvalidClientError extends OAuthError {
  constructor(detail?: string, basicChallenge = false) {
    super(
      'invalid_client',
      401,
      CLIENT_AUTHENTICATION_FAILED,
      detail,
      basicChallenge ? { 'www-authenticate': 'Basic realm="gatehouse", charset="UTF-8"' } : {},
    );
  }
}

/** RFC 6750 §3: errors on resources protected by a Bearer token carry a Bearer challenge. */
export class InvalidTokenError extends OAuthError {
  constructor(description = 'the access token is invalid or expired', detail?: string) {
    super('invalid_token', 401, description, detail, {
      'www-authenticate': `Bearer realm="gatehouse", error="invalid_token", error_description="${description}"`,
    });
  }
}
