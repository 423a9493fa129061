import { Injectable } from '@nestjs/common';
import { ConflictError } from '../../common/api-error';
import { isUniqueViolation } from '../../database/unique-violation';
import { AuditContext } from '../../events/audit-context';
import { AuditLog } from '../../events/audit-log.service';
import { UpstreamIdentity, UpstreamLinks } from '../../identity-providers/upstream-links.service';
import { User } from '../../users/user';
import { UsersService } from '../../users/users.service';
import { baseUsername, textClaim, UpstreamClaims, usernameCandidates } from './federated-profile';

/** A verified upstream identity without a link, for a new account. */
export interface NewFederatedAccount {
  /** The provider entry the person came through. */
  alias: string;
  identity: UpstreamIdentity;
  claims: UpstreamClaims;
  /** The email to keep, if any, and whether the upstream verified it. */
  email: { email: string; verified: boolean } | null;
}

/**
 * Just-in-time accounts (docs/identity-providers.md, decision 0322): a new user with a username
 * derived from the upstream's claims and made unique, linked to the upstream identity in the same
 * transaction as its creation and their audit events.
 */
@Injectable()
export class FederatedAccounts {
  constructor(
    private readonly users: UsersService,
    private readonly links: UpstreamLinks,
    private readonly audit: AuditLog,
  ) {}

  /**
   * The new user; `username_unavailable` when every candidate name was taken, or
   * `no_pending_sign_in` when the identity was linked meanwhile (nothing is written then).
   */
  async create(
    account: NewFederatedAccount,
    audit: AuditContext,
    source: string,
  ): Promise<User | 'username_unavailable' | 'no_pending_sign_in'> {
    const { identity, claims, email } = account;
    for (const username of usernameCandidates(baseUsername(claims))) {
      if (!(await this.users.usernameAvailable(username))) continue;
      try {
        return await this.users.createFederated(
          {
            username,
            email: email?.email ?? null,
            emailVerified: email?.verified ?? false,
            name: textClaim(claims.name, 200),
            givenName: textClaim(claims.given_name, 100),
            familyName: textClaim(claims.family_name, 100),
          },
          { ...audit, actor: { type: 'anonymous' } },
          source,
          async (manager, created) => {
            await this.links.link(manager, identity, created.id);
            await this.audit.record(
              {
                ...audit,
                actor: { type: 'user', id: created.id },
                type: 'upstream.linked',
                target: { type: 'user', id: created.id },
                details: { provider: account.alias, issuer: identity.issuer, how: 'new_account' },
              },
              manager,
            );
          },
        );
      } catch (error) {
        // The name was taken meanwhile: try the next one.
        if (error instanceof ConflictError) continue;
        // The identity was linked meanwhile (by another browser's sign-in): nothing was written.
        if (isUniqueViolation(error)) return 'no_pending_sign_in';
        throw error;
      }
    }
    return 'username_unavailable';
  }
}
