import { Injectable } from '@nestjs/common';
import { AuditContext } from '../events/audit-context';
import { AuditEntry, AuditLog } from '../events/audit-log.service';
import { User } from '../users/user';
import { UsersService } from '../users/users.service';
import { LoginAttempt, LoginRefusal } from './login-attempt';
import { LoginThrottle } from './login-throttle.service';
import { SessionsService } from './sessions.service';
import { PASSWORD_ONLY } from './authentication-context';
import { SecondFactorGate } from './second-factors/second-factor-gate.service';

/** Why a sign-in failed, as login.failed records it. */
type LoginFailure = 'csrf' | 'throttled' | 'invalid_credentials' | LoginRefusal;

/**
 * How much of an unknown username login.failed keeps: enough to see many names tried from one
 * address (password spraying), too little to give away a password typed into the wrong field.
 */
const USERNAME_PREFIX_LENGTH = 3;

/** One login form sent: what it claims, and what the controller read of the request. */
export interface SignInRequest {
  attempt: LoginAttempt;
  /** Whether the form carried this browser's CSRF token. */
  csrfValid: boolean;
  /** The client's address, as TRUST_PROXY decides: the throttle counts per address too. */
  ip: string;
  /** The audit context of the request for `actor`. */
  audit: (actor: AuditEntry['actor']) => AuditContext;
  /** Checks the credentials (the Passport local strategy): the user, or null. */
  verify: () => Promise<User | null>;
  /** The authorization request the sign-in is for, carried on after a second factor. */
  interaction?: string;
}

/** What a sign-in comes to: back to the form with an error, or a new browser session. */
export type SignInOutcome =
  | { kind: 'refused'; error: 'csrf' | 'missing' | 'throttled' | 'invalid'; wait?: number }
  | { kind: 'signed-in'; cookie: string }
  /** The password was right and the person has a second factor: the pending sign-in's cookie. */
  | { kind: 'second-factor'; pendingCookie: string };

/**
 * Signing in with a username and password: CSRF, then the attempt as it stands, then the
 * throttle (per account and address, docs/security/guessing.md), then the password. Every
 * failure is recorded as login.failed; a success starts a browser session.
 */
@Injectable()
export class SignIn {
  constructor(
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottle,
    private readonly users: UsersService,
    private readonly audit: AuditLog,
    private readonly gate: SecondFactorGate,
  ) {}

  async signIn(request: SignInRequest): Promise<SignInOutcome> {
    const { attempt, ip } = request;
    const { username } = attempt;
    if (!request.csrfValid) {
      await this.failed(request, username, 'csrf');
      return { kind: 'refused', error: 'csrf' };
    }
    if (attempt.refusal) {
      await this.failed(request, username, attempt.refusal);
      return { kind: 'refused', error: 'missing' };
    }
    const wait = await this.throttle.retryAfter(username, ip);
    if (wait > 0) {
      await this.failed(request, username, 'throttled');
      return { kind: 'refused', error: 'throttled', wait };
    }

    const user = await request.verify();
    if (!user) {
      await this.throttle.recordFailure(username, ip);
      await this.failed(request, username, 'invalid_credentials');
      return { kind: 'refused', error: 'invalid' };
    }
    await this.throttle.recordSuccess(username);
    const pendingCookie = await this.gate.pendingFor(
      user.id,
      PASSWORD_ONLY,
      request.interaction,
      request.audit({ type: 'user', id: user.id }),
    );
    if (pendingCookie) return { kind: 'second-factor', pendingCookie };
    const cookie = await this.sessions.start(user.id, request.audit({ type: 'user', id: user.id }));
    return { kind: 'signed-in', cookie };
  }

  /**
   * login.failed, by someone not signed in. The target is the account the username names; for
   * an unknown username only its first characters are kept. Losing the event must not turn a
   * failed sign-in into a server error.
   */
  private async failed(
    request: SignInRequest,
    username: string,
    reason: LoginFailure,
  ): Promise<void> {
    const user = username ? await this.users.findByUsername(username).catch(() => null) : null;
    const typed = Array.from(username);
    const prefix =
      typed.length > USERNAME_PREFIX_LENGTH
        ? `${typed.slice(0, USERNAME_PREFIX_LENGTH).join('')}…`
        : username;
    await this.audit.recordSafely({
      ...request.audit({ type: 'anonymous' }),
      type: 'login.failed',
      outcome: 'failure',
      target: user ? { type: 'user', id: user.id } : undefined,
      details: user || !username ? { reason } : { reason, username_prefix: prefix },
    });
  }
}
