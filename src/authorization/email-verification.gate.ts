import { AppConfig } from '../config/app-config';
import { User } from '../users/user';

/**
 * EMAIL_VERIFICATION=required: a person signed in with an unverified address gets no
 * authorization (no code, no consent) until a link sent to the address is opened
 * (docs/account.md). The account pages stay open, so a mistyped address can be corrected.
 */
export function awaitsEmailVerification(config: AppConfig, user: User): boolean {
  return config.emailVerification.mode === 'required' && !user.emailVerified;
}
