import { Injectable, Logger } from '@nestjs/common';
import { AuditContext } from '../events/audit-context';
import { User } from './user';

/** Told of a user whose address has just changed (committed), to verify it anew. */
export type EmailChangeListener = (user: User, context: AuditContext) => Promise<unknown>;

/**
 * Who wants to know that a person's email changed (docs/account.md: a new address is
 * unverified until a link sent to it is opened). The module that sends verification links
 * registers here, as modules register sign-out steps, so `users` knows nothing of mail.
 */
@Injectable()
export class EmailChanges {
  private readonly logger = new Logger(EmailChanges.name);
  private readonly listeners: EmailChangeListener[] = [];

  register(listener: EmailChangeListener): void {
    this.listeners.push(listener);
  }

  /** Runs every listener; a failing one is logged and never fails the change, committed already. */
  async announce(user: User, context: AuditContext): Promise<void> {
    for (const listener of this.listeners) {
      await listener(user, context).catch((error: unknown) =>
        this.logger.warn(
          `after an email change: ${error instanceof Error ? error.message : 'unknown error'}`,
        ),
      );
    }
  }
}
