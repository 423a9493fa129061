/**
 * How a person authenticated, as ID tokens tell the client: `amr` (RFC 8176 §2, the methods
 * used) and `acr` (OIDC Core §2, the level they come to). Gatehouse derives the level from the
 * methods, so a session, a code and a refresh token carry `amr` only and every holder of it
 * agrees on the level (docs/second-factors.md, Authentication levels).
 */

/** RFC 8176 §2 method references Gatehouse records. */
export type AuthenticationMethod =
  | 'pwd' // password
  | 'otp' // one-time password (TOTP, RFC 6238, or a recovery code)
  | 'hwk' // proof of possession of a hardware-protected key (a passkey on a security key)
  | 'swk' // proof of possession of a software-protected key (a synced passkey)
  | 'user' // user presence and verification test (a passkey's user verification)
  | 'fed' // federated sign-in at another provider
  | 'mfa'; // more than one factor

/** What a password sign-in records (RFC 8176 §2 `pwd`). */
export const PASSWORD_ONLY: readonly AuthenticationMethod[] = ['pwd'];

/** OIDC Core §2 `acr`: a password, or any single factor. */
export const ACR_PASSWORD = 'urn:gatehouse:acr:password';
/** OIDC Core §2 `acr`: more than one factor (RFC 8176 `mfa` in `amr`). */
export const ACR_MFA = 'urn:gatehouse:acr:mfa';

/** Lowest first: a session at a level satisfies a request for that level or a lower one. */
export const ACR_VALUES_SUPPORTED = [ACR_PASSWORD, ACR_MFA] as const;

/** The level a set of methods comes to. */
export function acrOf(amr: readonly string[]): string {
  return amr.includes('mfa') ? ACR_MFA : ACR_PASSWORD;
}

/** Whether a session with these methods meets `acr` (an unknown value is never met by rank). */
export function meetsAcr(amr: readonly string[], acr: string): boolean {
  const wanted = ACR_VALUES_SUPPORTED.indexOf(acr as (typeof ACR_VALUES_SUPPORTED)[number]);
  const held = ACR_VALUES_SUPPORTED.indexOf(acrOf(amr) as (typeof ACR_VALUES_SUPPORTED)[number]);
  return wanted >= 0 && held >= wanted;
}

/**
 * The methods of a sign-in that added a second factor to `first`: both, and `mfa` (RFC 8176 §2:
 * "multiple-factor authentication"), each once, in a stable order.
 */
export function withSecondFactor(
  first: readonly string[],
  second: readonly AuthenticationMethod[],
): AuthenticationMethod[] {
  const all = new Set<string>([...first, ...second, 'mfa']);
  const order: AuthenticationMethod[] = ['pwd', 'otp', 'hwk', 'swk', 'user', 'fed', 'mfa'];
  return order.filter((method) => all.has(method));
}
