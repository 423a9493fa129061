import { randomBytes } from 'node:crypto';
import { USERNAME_SYNTAX } from '../../users/password.policy';

/** The claims of a verified upstream ID token that sign-in reads (OIDC Core §2, §5.1). */
export interface UpstreamClaims {
  iss: string;
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  preferred_username?: unknown;
  name?: unknown;
  given_name?: unknown;
  family_name?: unknown;
  amr?: unknown;
}

/**
 * The RFC 8176 §2 registry of Authentication Method Reference values: only these pass from an
 * upstream's `amr` into our sessions (decision 0320).
 */
const REGISTERED_AMR = new Set([
  'face',
  'fpt',
  'geo',
  'hwk',
  'iris',
  'kba',
  'mca',
  'mfa',
  'otp',
  'pin',
  'pop',
  'pwd',
  'rba',
  'retina',
  'sc',
  'sms',
  'swk',
  'tel',
  'user',
  'vbm',
  'wia',
]);

/**
 * The methods a federated sign-in records (decision 0320): `fed`, Gatehouse's own value for "at
 * another provider" (RFC 8176 §2 lets parties agree on values outside its registry), with the
 * upstream's own `amr` values that RFC 8176 registers, each once; `mfa`, when the upstream
 * reports it, last. Values the registry does not know are dropped.
 */
export function federatedAmr(amr: unknown): string[] {
  const reported = Array.isArray(amr)
    ? amr.filter((value): value is string => typeof value === 'string' && REGISTERED_AMR.has(value))
    : [];
  const methods = new Set(reported.slice(0, 10));
  const mfa = methods.delete('mfa');
  return [...methods, 'fed', ...(mfa ? ['mfa'] : [])];
}

/** A string claim within `max` characters and without control characters, else null. */
export function textClaim(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.length > max || /\p{Cc}/u.test(trimmed)) return null;
  return trimmed;
}

/**
 * The upstream's email, if it is one we would store (a plausible address within 254
 * characters), and whether the upstream said it verified it (OIDC Core §5.1: `email_verified`
 * true, the boolean, and nothing else).
 */
export function upstreamEmail(claims: UpstreamClaims): { email: string; verified: boolean } | null {
  const email = textClaim(claims.email, 254);
  if (!email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return null;
  return { email, verified: claims.email_verified === true };
}

/**
 * The username a new federated account starts from: the upstream's `preferred_username`, else
 * the local part of its email, else `user`, reduced to our username syntax (letters, digits,
 * `. _ @ + -`; 3 to 64). OIDC Core §5.1 warns that preferred_username is not unique or stable:
 * it is only a starting point, made unique by `usernameCandidates`.
 */
export function baseUsername(claims: UpstreamClaims): string {
  const preferred = textClaim(claims.preferred_username, 200);
  const email = upstreamEmail(claims)?.email.split('@')[0];
  const raw = preferred ?? email ?? 'user';
  const cleaned = raw
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._@+-]/g, '')
    .slice(0, 50);
  return cleaned.length >= 3 ? cleaned : `user${cleaned}`.slice(0, 50).padEnd(4, '0');
}

/** The base, then the base with a random suffix: names to try, each within USERNAME_SYNTAX. */
export function usernameCandidates(base: string, count = 5): string[] {
  const candidates = [base];
  for (let i = 1; i < count; i++) {
    candidates.push(`${base}-${randomBytes(3).toString('hex')}`);
  }
  return candidates.filter((name) => USERNAME_SYNTAX.test(name));
}
