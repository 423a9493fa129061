import { errorClass, GatehouseError } from './errors';

/**
 * The codes of OAuth 2.0 and OpenID Connect (RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1,
 * RFC 7591 §3.2.2, RFC 8707 §2, OIDC Core §3.1.2.6), one class each (common/errors.ts).
 */
export const InvalidRequestError = errorClass('invalid_request', 400);
export const InvalidGrantError = errorClass('invalid_grant', 400);
export const UnauthorizedClientError = errorClass('unauthorized_client', 400);
export const UnsupportedGrantTypeError = errorClass('unsupported_grant_type', 400);
export const UnsupportedResponseTypeError = errorClass('unsupported_response_type', 400);
export const RequestNotSupportedError = errorClass('request_not_supported', 400);
export const RequestUriNotSupportedError = errorClass('request_uri_not_supported', 400);
export const InvalidScopeError = errorClass('invalid_scope', 400);
export const InvalidTargetError = errorClass('invalid_target', 400);
export const InvalidClientMetadataError = errorClass('invalid_client_metadata', 400);
export const InvalidRedirectUriError = errorClass('invalid_redirect_uri', 400);
export const AccessDeniedError = errorClass('access_denied', 403);
export const ServerError = errorClass('server_error', 500);
export const TemporarilyUnavailableError = errorClass('temporarily_unavailable', 503);

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
export class InvalidClientError extends GatehouseError {
  constructor(detail?: string, basicChallenge = false) {
    super('invalid_client', 401, CLIENT_AUTHENTICATION_FAILED, {
      detail,
      headers: basicChallenge
        ? { 'www-authenticate': 'Basic realm="gatehouse", charset="UTF-8"' }
        : {},
    });
  }
}

/**
 * RFC 6750 §3: the challenge of a resource protected by a Bearer token. Without an error it is
 * the bare challenge §3.1 wants for a request that carried no credentials at all.
 */
export function bearerChallenge(
  error?: string,
  more: { error_description?: string; scope?: string } = {},
): Record<string, string> {
  let challenge = 'Bearer realm="gatehouse"';
  if (error) challenge += `, error="${error}"`;
  for (const [name, value] of Object.entries(more)) challenge += `, ${name}="${value}"`;
  return { 'www-authenticate': challenge };
}

/** RFC 6750 §3.1 invalid_token: 401 with a Bearer challenge that repeats the description. */
export class InvalidTokenError extends errorClass('invalid_token', 401, (description) =>
  bearerChallenge('invalid_token', { error_description: description }),
) {
  constructor(
    description = 'the access token is invalid or expired',
    detail?: string,
    options?: { headers?: Record<string, string> },
  ) {
    super(description, detail, options);
  }
}

/** RFC 6750 §3.1 insufficient_scope: 403 naming the scope the token lacks. */
export class InsufficientScopeError extends GatehouseError {
  constructor(scope: string) {
    super('insufficient_scope', 403, `the access token lacks the ${scope} scope`, {
      headers: bearerChallenge('insufficient_scope', { scope }),
    });
  }
}
