import { COMMON_PASSWORDS } from './common-passwords';

/** The password rules, stated once: at least 8 characters, at most 72 bytes (bcrypt's limit). */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_BYTES = 72;
export const PASSWORD_RULE = `Use at least ${PASSWORD_MIN_LENGTH} characters, not only spaces, not one of the most common passwords and not your username or email. Very long passwords (over ${PASSWORD_MAX_BYTES} bytes, about ${PASSWORD_MAX_BYTES} plain letters) are not accepted.`;

/** Who the password is for: a password equal to one of these is refused. */
export interface PasswordOwner {
  username?: string | null;
  email?: string | null;
}

/**
 * NIST SP 800-63B §5.1.1.2: at least 8 characters, no composition rules, checked against
 * common and breached passwords and context-specific words (the account's own name). At most 72
 * bytes: bcrypt ignores the rest, and refusing is better than truncating (docs/decisions/0161).
 */
export function passwordProblem(password: string, owner: PasswordOwner = {}): string | undefined {
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  }
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    // bcrypt ignores everything past 72 bytes; refusing is better than silently truncating.
    return `must be at most ${PASSWORD_MAX_BYTES} bytes`;
  }
  if (password.trim() === '') return 'must not be only spaces';
  const folded = password.toLowerCase();
  if (COMMON_PASSWORDS.has(folded)) return 'is one of the most common passwords; choose another';
  for (const name of [owner.username, owner.email]) {
    if (name && folded === name.toLowerCase()) return 'must not be the username or email';
  }
  return undefined;
}

/** Usernames: 3 to 64 letters, digits and . _ @ + -, unique without regard to case. */
export const USERNAME_SYNTAX = /^[A-Za-z0-9._@+-]{3,64}$/;
