import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { auditContext } from '../../events/audit-context';
import { AuditLog } from '../../events/audit-log.service';
import { AuthenticationMethod, withSecondFactor } from '../authentication-context';
import { SESSION_COOKIE, SessionsService } from '../sessions.service';
import { PENDING_SIGN_IN_COOKIE, PendingSignIns } from './pending-sign-ins.service';
import { RecoveryCodes } from './recovery-codes.service';
import { SecondFactorThrottle } from './second-factor-throttle.service';
import { TotpAuthenticators } from './totp-authenticators.service';
import { normalizeTotpCode } from './totp-codes';

/**
 * Whom the second-factor step is asking: a sign-in that passed its password (the pending
 * sign-in cookie), or a signed-in session that must step up (OIDC Core §3.1.2.1 `acr_values`,
 * or the MFA policy).
 */
export interface Challenge {
  userId: string;
  /** RFC 8176 methods already passed. */
  amr: string[];
  authTime: Date;
  /** The authorization request to carry on with, if any. */
  interaction?: string;
  /** The cookie that proves it: a pending sign-in's, or the session's. */
  source: { kind: 'pending' | 'session'; cookie: string };
}

export type CodeCheck =
  | { kind: 'passed'; via: 'totp' | 'recovery_code' }
  | { kind: 'refused'; error: 'invalid' | 'throttled'; wait?: number };

/** An `otp` field longer than this is no code (a recovery code with dashes is 14). */
const MAX_CODE_LENGTH = 32;

/**
 * The second-factor step of a sign-in (docs/second-factors.md): who is asked, checking a
 * one-time code (TOTP or recovery code) under a per-account throttle, and completing: the
 * pending sign-in (or the password-only session) is replaced by a session whose `amr` adds the
 * factor's methods and `mfa` (RFC 8176 §2). Other factor kinds verify on their own routes and
 * call `complete` with their methods.
 */
@Injectable()
export class SecondFactorStep {
  constructor(
    private readonly pending: PendingSignIns,
    private readonly sessions: SessionsService,
    private readonly totp: TotpAuthenticators,
    private readonly recoveryCodes: RecoveryCodes,
    private readonly throttle: SecondFactorThrottle,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * The challenge this browser answers: its pending sign-in first; else, with an `interaction`
   * to carry on (a step-up) or `stepUp` set, its signed-in session.
   */
  async challenge(
    request: FastifyRequest,
    interaction: string | undefined,
    stepUp = false,
  ): Promise<Challenge | null> {
    const pendingCookie = request.cookies[PENDING_SIGN_IN_COOKIE];
    const pending = await this.pending.find(pendingCookie);
    if (pending && pendingCookie) {
      return {
        userId: pending.userId,
        amr: pending.amr,
        authTime: pending.authTime,
        interaction: pending.interaction ?? undefined,
        source: { kind: 'pending', cookie: pendingCookie },
      };
    }
    if (!interaction && !stepUp) return null;
    const sessionCookie = request.cookies[SESSION_COOKIE];
    const session = await this.sessions.find(sessionCookie);
    if (!session || !sessionCookie) return null;
    return {
      userId: session.user.id,
      amr: session.amr,
      authTime: session.authTime,
      interaction,
      source: { kind: 'session', cookie: sessionCookie },
    };
  }

  /**
   * Checks what was typed into `otp`: a TOTP code, else a recovery code. Throttled per account
   * before anything is checked; every outcome audited.
   */
  async checkCode(
    challenge: Challenge,
    typed: string,
    request: FastifyRequest,
  ): Promise<CodeCheck> {
    const { userId } = challenge;
    const context = auditContext(request, { type: 'user', id: userId });
    const target = { type: 'user', id: userId };
    const wait = await this.throttle.retryAfter(userId);
    if (wait > 0) {
      await this.audit.recordSafely({
        ...context,
        type: 'second_factor.failed',
        outcome: 'failure',
        target,
        details: { reason: 'throttled' },
      });
      return { kind: 'refused', error: 'throttled', wait };
    }
    const manager = this.dataSource.manager;
    const code = typed.length <= MAX_CODE_LENGTH ? normalizeTotpCode(typed) : undefined;
    let refusal: string;
    if (code) {
      const result = await this.totp.check(userId, code, manager);
      if (result === null) {
        await this.throttle.recordSuccess(userId);
        await this.audit.record({
          ...context,
          type: 'second_factor.succeeded',
          target,
          details: { kind: 'totp' },
        });
        return { kind: 'passed', via: 'totp' };
      }
      refusal = result;
    } else if (typed.length <= MAX_CODE_LENGTH) {
      const used = await manager.transaction(async (inner) => {
        if (!(await this.recoveryCodes.use(userId, typed, inner))) return false;
        const remaining = await this.recoveryCodes.remainingIn(userId, inner);
        await this.audit.record(
          { ...context, type: 'second_factor.recovery_code_used', target, details: { remaining } },
          inner,
        );
        return true;
      });
      if (used) {
        await this.throttle.recordSuccess(userId);
        return { kind: 'passed', via: 'recovery_code' };
      }
      refusal = 'wrong_code';
    } else {
      refusal = 'malformed';
    }
    await this.throttle.recordFailure(userId);
    await this.audit.recordSafely({
      ...context,
      type: 'second_factor.failed',
      outcome: 'failure',
      target,
      details: { reason: refusal },
    });
    return { kind: 'refused', error: 'invalid' };
  }

  /**
   * Ends the challenge with a session whose `amr` adds `methods` and `mfa` (RFC 8176 §2), sets
   * its cookie, and sends the browser on: to the authorization request, or `fallback`. For
   * another factor kind's route too, once it verified the person: `methods` are its own (a
   * passkey: `['hwk', 'user']` or `['swk', 'user']`).
   */
  async complete(
    challenge: Challenge,
    methods: readonly AuthenticationMethod[],
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ ok: boolean; cookie?: string }> {
    const { source, userId } = challenge;
    if (source.kind === 'pending') {
      // Of parallel completions of one pending sign-in, exactly one goes on.
      const taken = await this.pending.take(source.cookie, this.dataSource.manager);
      if (!taken) return { ok: false };
      void reply.clearCookie(PENDING_SIGN_IN_COOKIE, this.pending.cookieOptions());
    }
    const amr = withSecondFactor(challenge.amr, methods);
    const cookie = await this.sessions.start(
      userId,
      auditContext(request, { type: 'user', id: userId }),
      amr,
      challenge.authTime,
    );
    // A step-up replaces the password-only session: one session per sign-in.
    if (source.kind === 'session') await this.sessions.end(source.cookie);
    void reply.setCookie(
      SESSION_COOKIE,
      cookie,
      this.sessions.cookieOptions(this.config.sessions.lifetime),
    );
    return { ok: true, cookie };
  }
}
