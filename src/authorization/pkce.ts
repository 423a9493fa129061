import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636 §4.1/§4.2: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~]. */
export const PKCE_SYNTAX = /^[A-Za-z0-9\-._~]{43,128}$/;

/** RFC 7636 §4.6 S256: BASE64URL(SHA256(code_verifier)) == code_challenge, compared in constant time. */
export function pkceVerifies(verifier: string, challenge: string): boolean {
  if (!PKCE_SYNTAX.test(verifier)) return false;
  const computed = Buffer.from(createHash('sha256').update(verifier).digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
