import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ValidationFailedError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { AuditContext } from '../events/audit-context';
import { AuditLog } from '../events/audit-log.service';
import { Mailer } from '../mail/mailer.service';
import { passwordChangedMail, passwordResetMail } from '../mail/templates';
import { User } from '../users/user';
import { UsersService } from '../users/users.service';
import { AccountLinks } from './account-links.service';
import { mailSender } from './mail-sender';

/** At most this many accounts that share one address get a link from one request. */
const MAX_ACCOUNTS_PER_ADDRESS = 3;
/** How much of an identifier that names no account the audit log keeps (as login.failed does). */
const IDENTIFIER_PREFIX_LENGTH = 3;

/** What the person typed on /password/forgot. */
export type ResetIdentifier = { kind: 'email' | 'username'; value: string };

/** The link was gone (used, expired, replaced) by the time its transaction ran. */
class LinkGoneError extends Error {}

/** What a reset came to. */
export type ResetOutcome =
  { kind: 'done' } | { kind: 'invalid' } | { kind: 'password'; problem: string };

/**
 * Password reset by a mailed link (docs/account.md). A request answers the same, at the same
 * speed, whether or not an account matches: the lookup, the link and the mail happen after the
 * answer (`pending`). Redeeming the link sets the new password through the password policy and
 * ends every sign-in of the account, in one transaction with the link's redemption.
 */
@Injectable()
export class PasswordReset implements OnApplicationShutdown {
  private readonly logger = new Logger(PasswordReset.name);
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly links: AccountLinks,
    private readonly mailer: Mailer,
    private readonly users: UsersService,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
  ) {}

  /** Starts the lookup and mailing in the background; returns at once, whatever it finds. */
  request(identifier: ResetIdentifier, context: AuditContext): void {
    const work = this.mailLinks(identifier, context).catch((error: unknown) =>
      this.logger.warn(
        `password reset request failed: ${error instanceof Error ? error.message : 'unknown error'}`,
      ),
    );
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** Resolves once every background request has finished (tests; shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.settled();
  }

  /** Whether `token` is a live reset link (the form is shown only for one). */
  async isLive(token: string | undefined): Promise<boolean> {
    return (await this.links.peek('password_reset', token)) !== null;
  }

  /** Sets `password` for the link's account and redeems the link, or changes nothing. */
  async reset(
    token: string | undefined,
    password: string,
    context: AuditContext,
    source: string,
  ): Promise<ResetOutcome> {
    const link = await this.links.peek('password_reset', token);
    if (!link) return this.failed(context, 'unknown, used or expired link');
    // A disabled account stays disabled: its link sets nothing.
    if (!(await this.users.findActive(link.userId)))
      return this.failed(context, 'account disabled');
    const actor = { type: 'user' as const, id: link.userId };
    try {
      await this.users.setPassword(
        link.userId,
        password,
        { ...context, actor },
        {
          source,
          eventType: 'password_reset.succeeded',
          within: async (manager) => {
            if (!(await this.links.redeem(manager, 'password_reset', token)))
              throw new LinkGoneError();
          },
        },
      );
    } catch (error) {
      if (error instanceof LinkGoneError) return this.failed(context, 'link used concurrently');
      if (error instanceof ValidationFailedError) {
        return { kind: 'password', problem: error.details?.[0]?.problem ?? 'is not allowed' };
      }
      throw error;
    }
    const user = await this.users.findActive(link.userId);
    if (user?.email) {
      await this.mailer
        .send(
          passwordChangedMail(mailSender(this.config), { to: user.email, username: user.username }),
        )
        .catch(() => undefined);
    }
    return { kind: 'done' };
  }

  private async mailLinks(identifier: ResetIdentifier, context: AuditContext): Promise<void> {
    const users = await this.find(identifier);
    const reachable = users.filter((user) => user.status === 'active' && user.email);
    if (reachable.length === 0) {
      const typed = Array.from(identifier.value);
      await this.audit.recordSafely({
        ...context,
        type: 'password_reset.requested',
        outcome: 'failure',
        details: {
          reason: users.length === 0 ? 'no such account' : 'account has no address or is disabled',
          [identifier.kind === 'email' ? 'email_prefix' : 'username_prefix']:
            `${typed.slice(0, IDENTIFIER_PREFIX_LENGTH).join('')}…`,
        },
        target: users[0] ? { type: 'user', id: users[0].id } : undefined,
      });
      return;
    }
    for (const user of reachable) await this.mailLink(user, context);
  }

  private async mailLink(user: User, context: AuditContext): Promise<void> {
    const ttl = this.config.passwordResetTtl;
    const token = await this.links.issue('password_reset', user.id, ttl, user.email);
    const outcome = await this.mailer.send(
      passwordResetMail(mailSender(this.config), {
        to: user.email!,
        username: user.username,
        link: `${this.config.issuer}/password/reset?token=${token}`,
        validMinutes: Math.max(1, Math.round(ttl / 60)),
      }),
    );
    await this.audit.recordSafely({
      ...context,
      type: 'password_reset.requested',
      outcome: outcome === 'failed' || outcome === 'refused' ? 'failure' : 'success',
      target: { type: 'user', id: user.id },
      details: { delivery: outcome },
    });
  }

  private async find(identifier: ResetIdentifier): Promise<User[]> {
    if (identifier.kind === 'email')
      return this.users.findByEmail(identifier.value, MAX_ACCOUNTS_PER_ADDRESS);
    const user = await this.users.findByUsername(identifier.value);
    if (user) return [user];
    // One field takes either: what names no username may still be an address.
    return identifier.value.includes('@')
      ? this.users.findByEmail(identifier.value, MAX_ACCOUNTS_PER_ADDRESS)
      : [];
  }

  private async failed(context: AuditContext, reason: string): Promise<ResetOutcome> {
    await this.audit.recordSafely({
      ...context,
      type: 'password_reset.failed',
      outcome: 'failure',
      details: { reason },
    });
    return { kind: 'invalid' };
  }
}
