/** The password rules, stated once: at least 8 characters, at most 72 bytes (bcrypt's limit). */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_BYTES = 72;
export const PASSWORD_RULE = `Use at least ${PASSWORD_MIN_LENGTH} characters. Very long passwords (over ${PASSWORD_MAX_BYTES} bytes, about ${PASSWORD_MAX_BYTES} plain letters) are not accepted.`;

export function passwordProblem(password: string): string | undefined {
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  }
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    // bcrypt ignores everything past 72 bytes; refusing is better than silently truncating.
    return `must be at most ${PASSWORD_MAX_BYTES} bytes`;
  }
  return undefined;
}

/** Usernames: 3 to 64 letters, digits and . _ @ + -, unique without regard to case. */
export const USERNAME_SYNTAX = /^[A-Za-z0-9._@+-]{3,64}$/;
