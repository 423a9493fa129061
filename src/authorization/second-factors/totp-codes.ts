import { generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 §4: 30-second time steps, 6 digits, HMAC-SHA1 (what every authenticator app does). */
export const TOTP_PERIOD_SECONDS = 30;

/** RFC 6238 §5.2: accept one step either side of now, for clock drift and typing time. */
const TOLERANCE_SECONDS = TOTP_PERIOD_SECONDS;

/** A code as typed: 6 digits, spaces allowed between them ("123 456"). */
export function normalizeTotpCode(typed: string): string | undefined {
  const digits = typed.replace(/[ \u00a0]/g, '');
  return /^\d{6}$/.test(digits) ? digits : undefined;
}

/** A new seed: 20 random bytes (RFC 4226 §4 R6: 160 bits), base32 for authenticator apps. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The `otpauth://totp/…` URI authenticator apps read (from the QR code or by hand). */
export function totpUri(secret: string, issuer: string, account: string): string {
  return generateURI({ issuer, label: account, secret });
}

/**
 * The RFC 6238 time step `code` is valid for at `epochSeconds`, within ±1 step, or null. otplib
 * compares in constant time; the caller refuses a step it accepted before (replay, §5.2).
 */
export async function totpTimeStep(
  secret: string,
  code: string,
  epochSeconds: number,
): Promise<number | null> {
  const result = await verify({
    secret,
    token: code,
    epoch: epochSeconds,
    epochTolerance: TOLERANCE_SECONDS,
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
