import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The password rules, stated once. The minimum is PASSWORD_MIN_LENGTH: never below 8 (NIST SP
 * 800-63B §5.1.1.2), never above 72, since no password may be longer than 72 bytes (bcrypt's limit).
 */
export const PASSWORD_MIN_LENGTH_FLOOR = 8;
export const PASSWORD_MAX_BYTES = 72;

/** The rule as shown to a person choosing a password (the sign-up page). */
export function passwordRule(minLength: number): string {
  return `Use at least ${minLength} characters, not only spaces, not one of the most common passwords, not a repeated or sequential run such as aaaaaaaa or 12345678, and not your username or email. Very long passwords (over ${PASSWORD_MAX_BYTES} bytes, about ${PASSWORD_MAX_BYTES} plain letters) are not accepted.`;
}

/**
 * The most common passwords of public breach corpora, as maintained by zxcvbn-ts (about 49,000,
 * read once at start, about 0.1 s). Only those the length rule would let through are kept: a
 * shorter one is refused for its length whatever the configured minimum.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  dictionary['passwords-common']
    .map((password) => password.toLowerCase())
    .filter((password) => [...password].length >= PASSWORD_MIN_LENGTH_FLOOR),
);

/** Whether `password` is one of the most common passwords, without regard to case. */
export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(password.toLowerCase());
}

/**
 * NIST SP 800-63B §5.1.1.2 names "repetitive or sequential characters" among the values to refuse:
 * a short run repeated to the end (`aaaaaaaa`, `12121212`, `zaq1zaq1`, `adminadmin`) or one step
 * up or down the alphabet or digits all the way (`abcdefgh`, `9876543210`). Such passwords are
 * found by pattern, not in any list.
 */
export function isRepetitiveOrSequential(password: string): boolean {
  const folded = password.toLowerCase();
  const length = folded.length;
  for (let unit = 1; unit <= Math.min(5, length / 2); unit++) {
    if (
      folded ===
      folded
        .slice(0, unit)
        .repeat(Math.ceil(length / unit))
        .slice(0, length)
    ) {
      return true;
    }
  }
  const step = folded.charCodeAt(1) - folded.charCodeAt(0);
  if (step !== 1 && step !== -1) return false;
  for (let i = 1; i < length; i++) {
    if (folded.charCodeAt(i) - folded.charCodeAt(i - 1) !== step) return false;
  }
  return /^[a-z0-9]+$/.test(folded);
}

/** Who the password is for: a password equal to one of these is refused. */
export interface PasswordOwner {
  username?: string | null;
  email?: string | null;
}

/**
 * NIST SP 800-63B §5.1.1.2: at least `minLength` characters, no composition rules, checked
 * against common and breached passwords and context-specific words (the account's own name). At
 * most 72 bytes: bcrypt ignores the rest, and refusing is better than truncating
 * (docs/decisions/0161).
 */
export function passwordProblem(
  password: string,
  minLength: number,
  owner: PasswordOwner = {},
): string | undefined {
  if ([...password].length < minLength) {
    return `must be at least ${minLength} characters`;
  }
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    // bcrypt ignores everything past 72 bytes; refusing is better than silently truncating.
    return `must be at most ${PASSWORD_MAX_BYTES} bytes`;
  }
  if (password.trim() === '') return 'must not be only spaces';
  if (isCommonPassword(password)) return 'is one of the most common passwords; choose another';
  if (isRepetitiveOrSequential(password)) {
    return 'is a repeated or sequential run of characters; choose another';
  }
  const folded = password.toLowerCase();
  for (const name of [owner.username, owner.email]) {
    if (name && folded === name.toLowerCase()) return 'must not be the username or email';
  }
  return undefined;
}

/** Usernames: 3 to 64 letters, digits and . _ @ + -, unique without regard to case. */
export const USERNAME_SYNTAX = /^[A-Za-z0-9._@+-]{3,64}$/;
