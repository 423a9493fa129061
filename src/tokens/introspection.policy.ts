import { CHECK_SCOPE } from '../common/auth/permissions';

/** The two kinds of token Gatehouse issues and takes back. */
export type TokenKind = 'access_token' | 'refresh_token';

const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const OPAQUE = /^[A-Za-z0-9_-]+$/;

/**
 * Which kind a presented token can be, or none. Access tokens are JWS compact serializations
 * (RFC 9068); refresh tokens are opaque base64url without dots. The shape alone decides, so
 * `token_type_hint` is never needed (RFC 7662 §2.1, RFC 7009 §2.1: a hint only, and a wrong
 * one must not change the answer), and anything else is known at once to be no token of ours.
 */
export function tokenKind(token: string): TokenKind | undefined {
  if (JWS_COMPACT.test(token)) return 'access_token';
  return OPAQUE.test(token) ? 'refresh_token' : undefined;
}

/** The caller of the introspection endpoint, as registered. */
export interface Introspector {
  clientId: string;
  scopes: readonly string[];
  audience: readonly string[];
}

/** What decides whose business a token is. */
export interface IntrospectedToken {
  clientId: string;
  /** The token's `aud` (absent for refresh tokens). */
  aud?: string | string[];
}

/**
 * RFC 7662 §4: a token is the caller's business when it was issued to the caller, when it is
 * addressed to one of the caller's registered audiences, or when the caller holds `iam:check`
 * (a policy point that may look at any token). The issuer is never such an audience: it names
 * Gatehouse's own APIs, so registering it would otherwise open every default token.
 */
export function mayIntrospect(
  caller: Introspector,
  token: IntrospectedToken,
  issuer: string,
): boolean {
  if (token.clientId === caller.clientId) return true;
  if (caller.scopes.includes(CHECK_SCOPE)) return true;
  const aud = token.aud === undefined ? [] : Array.isArray(token.aud) ? token.aud : [token.aud];
  return aud.some((value) => value !== issuer && caller.audience.includes(value));
}
