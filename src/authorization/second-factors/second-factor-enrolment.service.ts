import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { FastifyReply, FastifyRequest } from 'fastify';
import { toString as qrSvg } from 'qrcode';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { auditContext } from '../../events/audit-context';
import { AuditLog } from '../../events/audit-log.service';
import { AuthenticationMethod, withSecondFactor } from '../authentication-context';
import { ActiveSession, SESSION_COOKIE, SessionsService } from '../sessions.service';
import { RecoveryCodes } from './recovery-codes.service';
import { SecondFactorThrottle } from './second-factor-throttle.service';
import { TotpAuthenticators } from './totp-authenticators.service';
import { normalizeTotpCode, totpUri } from './totp-codes';

export type Confirmation =
  { kind: 'confirmed'; codes: string[] } | { kind: 'refused'; error: 'invalid' | 'throttled' };

/**
 * Enrolling and removing TOTP and recovery codes on /account/security, each change in one
 * transaction with its audit event.
 */
@Injectable()
export class SecondFactorEnrolment {
  constructor(
    private readonly totp: TotpAuthenticators,
    private readonly recoveryCodes: RecoveryCodes,
    private readonly throttle: SecondFactorThrottle,
    private readonly sessions: SessionsService,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** What the security page shows. */
  async state(userId: string, username: string) {
    const [factors, secret, recoveryCodesRemaining] = await Promise.all([
      this.totp.list(userId),
      this.totp.pendingSecret(userId),
      this.recoveryCodes.remaining(userId),
    ]);
    let enrolment = null;
    if (secret) {
      // The otpauth URI (label "issuer:username") as an inline SVG QR code: no image request,
      // no data: URI, nothing the page's CSP has to allow.
      const uri = totpUri(secret, this.issuerName, username);
      enrolment = { secret, uri, qrSvg: await qrSvg(uri, { type: 'svg', margin: 1 }) };
    }
    return { totpSince: factors[0]?.createdAt ?? null, enrolment, recoveryCodesRemaining };
  }

  begin(userId: string): Promise<string | null> {
    return this.totp.begin(userId);
  }

  async confirm(
    session: ActiveSession,
    typed: string,
    request: FastifyRequest,
  ): Promise<Confirmation> {
    const userId = session.user.id;
    if ((await this.throttle.retryAfter(userId)) > 0)
      return { kind: 'refused', error: 'throttled' };
    const code = normalizeTotpCode(typed.slice(0, 32));
    const context = auditContext(request, { type: 'user', id: userId });
    const codes = code
      ? await this.dataSource.transaction(async (manager) => {
          if (!(await this.totp.confirm(userId, code, manager))) return null;
          const fresh = await this.recoveryCodes.regenerate(userId, manager);
          await this.audit.record(
            {
              ...context,
              type: 'second_factor.enrolled',
              target: { type: 'user', id: userId },
              details: { kind: 'totp' },
            },
            manager,
          );
          return fresh;
        })
      : null;
    if (!codes) {
      await this.throttle.recordFailure(userId);
      await this.audit.recordSafely({
        ...context,
        type: 'second_factor.failed',
        outcome: 'failure',
        target: { type: 'user', id: userId },
        details: { reason: 'enrolment_code' },
      });
      return { kind: 'refused', error: 'invalid' };
    }
    await this.throttle.recordSuccess(userId);
    return { kind: 'confirmed', codes };
  }

  /**
   * Replaces the session with one that records the second factor just proved by enrolling it
   * (`methods`, RFC 8176), so the same session may go on changing factors (RecentSignIn).
   */
  async upgradeSession(
    session: ActiveSession,
    methods: readonly AuthenticationMethod[],
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    if (session.amr.includes('mfa')) return;
    const userId = session.user.id;
    const cookie = await this.sessions.start(
      userId,
      undefined,
      withSecondFactor(session.amr, methods),
      session.authTime,
    );
    await this.sessions.end(request.cookies[SESSION_COOKIE]);
    void reply.setCookie(
      SESSION_COOKIE,
      cookie,
      this.sessions.cookieOptions(this.config.sessions.lifetime),
    );
  }

  /** Removes the authenticator and its recovery codes. */
  async remove(userId: string, request: FastifyRequest): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const removed = await this.totp.removeAll(userId, manager);
      await this.recoveryCodes.removeAll(userId, manager);
      if (removed === 0) return;
      await this.audit.record(
        {
          ...auditContext(request, { type: 'user', id: userId }),
          type: 'second_factor.removed',
          target: { type: 'user', id: userId },
          details: { kind: 'totp' },
        },
        manager,
      );
    });
  }

  /** New recovery codes, for someone with an authenticator; null for anyone else. */
  async regenerateRecoveryCodes(userId: string, request: FastifyRequest): Promise<string[] | null> {
    if (!(await this.totp.enrolled(userId))) return null;
    return this.dataSource.transaction(async (manager) => {
      const codes = await this.recoveryCodes.regenerate(userId, manager);
      await this.audit.record(
        {
          ...auditContext(request, { type: 'user', id: userId }),
          type: 'second_factor.recovery_codes_generated',
          target: { type: 'user', id: userId },
          details: { count: codes.length },
        },
        manager,
      );
      return codes;
    });
  }

  /** The issuer as authenticator apps show it: its host name. */
  private get issuerName(): string {
    return `Gatehouse (${new URL(this.config.issuer).host})`;
  }
}
