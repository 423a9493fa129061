import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { AuditContext } from '../events/audit-context';
import { AuditLog } from '../events/audit-log.service';
import { ChangeBus } from '../events/change-bus.service';
import { MailOutcome } from '../mail/mail-message';
import { Mailer } from '../mail/mailer.service';
import { emailVerificationMail } from '../mail/templates';
import { EmailChanges } from '../users/email-changes';
import { User } from '../users/user';
import { UsersService } from '../users/users.service';
import { AccountLinks } from './account-links.service';
import { mailSender } from './mail-sender';

/** What sending a link came to: a mail outcome, or no address to send it to. */
export type VerificationSent = MailOutcome | 'no_address';

/**
 * Email verification (docs/account.md): a link to the person's current address that, opened
 * once within EMAIL_VERIFICATION_TTL, sets email_verified. A link is bound to the address it
 * was sent to: after a change of address it verifies nothing.
 */
@Injectable()
export class EmailVerification {
  constructor(
    private readonly links: AccountLinks,
    private readonly mailer: Mailer,
    private readonly users: UsersService,
    private readonly audit: AuditLog,
    private readonly bus: ChangeBus,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    emailChanges: EmailChanges,
  ) {
    // A new address (admin API, account page) is verified anew, unless verification is off.
    emailChanges.register(async (user, context) => {
      if (this.config.emailVerification.mode !== 'off') await this.send(user, context);
    });
  }

  /** Mails a new link to the user's address (earlier links stop working); audited. */
  async send(user: User, context: AuditContext): Promise<VerificationSent> {
    if (!user.email) return 'no_address';
    const { ttl } = this.config.emailVerification;
    const token = await this.links.issue('email_verification', user.id, ttl, user.email);
    const link = `${this.config.issuer}/verify-email/confirm?token=${token}`;
    const outcome = await this.mailer.send(
      emailVerificationMail(mailSender(this.config), {
        to: user.email,
        username: user.username,
        link,
        validMinutes: Math.round(ttl / 60),
      }),
    );
    await this.audit.recordSafely({
      ...context,
      type: 'email_verification.sent',
      outcome: outcome === 'failed' || outcome === 'refused' ? 'failure' : 'success',
      target: { type: 'user', id: user.id },
      details: { delivery: outcome },
    });
    return outcome;
  }

  /**
   * Redeems a link: the user's email is verified if it is still the address the link went to.
   * An unknown, used, expired or tampered token changes nothing and is audited as a failure.
   */
  async confirm(token: string | undefined, context: AuditContext): Promise<boolean> {
    const verified = await this.dataSource.transaction(async (manager) => {
      const link = await this.links.redeem(manager, 'email_verification', token);
      if (!link?.email) return null;
      const done = await this.users.markEmailVerified(manager, link.userId, link.email);
      if (!done) return null;
      await this.audit.record(
        {
          ...context,
          actor: { type: 'user', id: link.userId },
          type: 'email_verification.succeeded',
          target: { type: 'user', id: link.userId },
        },
        manager,
      );
      return link.userId;
    });
    if (!verified) {
      await this.audit.recordSafely({
        ...context,
        type: 'email_verification.failed',
        outcome: 'failure',
        details: { reason: 'unknown, used, expired or superseded link' },
      });
      return false;
    }
    this.bus.publish({ type: 'user.changed', userId: verified });
    return true;
  }
}
