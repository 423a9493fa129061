import { ActiveSession } from '../authorization/sessions.service';

/**
 * How recently a person must have signed in to add, rename or remove a passkey: someone who
 * finds a browser left signed in cannot plant or remove keys (docs/passkeys.md).
 */
export const REAUTHENTICATION_WINDOW_MS = 10 * 60 * 1000;

export function signedInRecently(session: ActiveSession, now: number): boolean {
  return now - session.authTime.getTime() <= REAUTHENTICATION_WINDOW_MS;
}
