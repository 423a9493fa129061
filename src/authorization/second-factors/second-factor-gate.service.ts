import { Injectable } from '@nestjs/common';
import { AuditContext } from '../../events/audit-context';
import { AuditLog } from '../../events/audit-log.service';
import { PendingSignIns } from './pending-sign-ins.service';
import { SecondFactorRegistry } from './second-factor.registry';

/**
 * The gate every first step of a sign-in passes (a password, an upstream provider): someone with
 * a second factor here is not signed in by that step alone (docs/second-factors.md). It begins
 * a pending sign-in instead and records `login.second_factor_required`.
 */
@Injectable()
export class SecondFactorGate {
  constructor(
    private readonly registry: SecondFactorRegistry,
    private readonly pending: PendingSignIns,
    private readonly audit: AuditLog,
  ) {}

  /**
   * The pending sign-in's cookie when `userId` has a second factor, else null (no gate).
   * `passed` is what the first step proved (RFC 8176 amr); `details` go into the audit event.
   */
  async pendingFor(
    userId: string,
    passed: readonly string[],
    interaction: string | undefined,
    context: AuditContext,
    details?: Record<string, unknown>,
  ): Promise<string | null> {
    if (!(await this.registry.hasAny(userId))) return null;
    const cookie = await this.pending.create(userId, passed, interaction);
    await this.audit.recordSafely({
      ...context,
      type: 'login.second_factor_required',
      target: { type: 'user', id: userId },
      ...(details ? { details } : {}),
    });
    return cookie;
  }
}
