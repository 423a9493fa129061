/**
 * Every JWS algorithm Gatehouse signs with (RFC 7518 §3.1; EdDSA is Ed25519, RFC 8037). Each
 * always has a published key: access tokens use ACCESS_TOKEN_SIGNING_ALG, ID tokens the
 * client's `id_token_signed_response_alg` (OIDC Dynamic Client Registration §2, RS256 unless
 * the client chose another), so any of them may sign at any time.
 */
export const SIGNING_ALGORITHMS = ['ES256', 'EdDSA', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/**
 * What an ID token may be signed with: any of them, RS256 (the default, OIDC Core §15.1) first.
 * Discovery advertises exactly these, which also covers the access-token algorithm: verifiers
 * such as express-oauth2-jwt-bearer accept only what `id_token_signing_alg_values_supported`
 * lists, for access tokens too.
 */
export const ID_TOKEN_ALGORITHMS = [
  'RS256',
  'ES256',
  'EdDSA',
] as const satisfies readonly SigningAlgorithm[];
export type IdTokenAlgorithm = (typeof ID_TOKEN_ALGORITHMS)[number];

/** The verifiers' side of publish-ahead: how long /jwks may be cached. */
const MAX_JWKS_MAX_AGE = 60;

/**
 * RFC 9111 §5.2.2.1 max-age for /jwks. A verifier (or a shared cache in front of it) holding a
 * set fetched just before a rotation serves it for max-age, then may refetch on an unknown
 * `kid` only after its cooldown (30 s for jose and its wrappers): the new key must be published
 * for longer than both together before it signs. Half of KEY_PUBLISH_AHEAD, at most a minute,
 * keeps max-age + 30 s within the default 120 s with room for clock skew.
 */
export function jwksMaxAge(publishAhead: number): number {
  return Math.min(MAX_JWKS_MAX_AGE, Math.floor(publishAhead / 2));
}
