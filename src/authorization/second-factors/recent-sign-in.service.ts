import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { ActiveSession } from '../sessions.service';
import { SecondFactorRegistry } from './second-factor.registry';

/**
 * How recently the person must have signed in to add or remove a second factor: someone at an
 * unlocked computer cannot swap the factor without the password (OWASP ASVS v5 §6.4.3 style
 * re-authentication).
 */
export const REAUTHENTICATION_WINDOW_SECONDS = 300;

/**
 * Whether a session may change the person's second factors now (docs/second-factors.md): it
 * began within the window and, when the person has a second factor, with it (`mfa` in its amr,
 * RFC 8176). A session begun by the password alone (a password change starts one) cannot remove
 * or replace a factor: a stolen session plus a known password must not be enough.
 */
@Injectable()
export class RecentSignIn {
  constructor(
    private readonly registry: SecondFactorRegistry,
    private readonly clock: Clock,
  ) {}

  async allows(
    session: ActiveSession,
    windowMs = REAUTHENTICATION_WINDOW_SECONDS * 1000,
  ): Promise<boolean> {
    if (this.clock.now() - session.authTime.getTime() > windowMs) return false;
    if (session.amr.includes('mfa')) return true;
    return !(await this.registry.hasAny(session.user.id));
  }
}
