/**
 * How recently a person must have signed in to add, rename or remove a passkey: someone who
 * finds a browser left signed in cannot plant or remove keys (docs/passkeys.md). The session
 * must also carry the person's second factor, if they have one (RecentSignIn).
 */
export const REAUTHENTICATION_WINDOW_MS = 10 * 60 * 1000;
