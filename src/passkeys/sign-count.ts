/**
 * WebAuthn §6.1.1: a counting authenticator's signCount grows with every assertion. A value not
 * above the stored one, when either is non-zero, means the credential was cloned or the
 * assertion replayed: the sign-in is refused. Authenticators that do not count send 0 always.
 */
export function signCountRegressed(stored: number, received: number): boolean {
  if (stored === 0 && received === 0) return false;
  return received <= stored;
}
