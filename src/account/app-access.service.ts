import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConsentsService } from '../authorization/consents.service';
import { ClientDirectory } from '../clients/client-directory.service';
import { AuditContext } from '../events/audit-context';
import { RefreshTokensService } from '../tokens/refresh-tokens.service';
import { RevocationList } from '../tokens/revocation-list.service';
import { RevocationService } from '../tokens/revocation.service';
import { AppRow } from './views/account-pages';

/**
 * The apps a person has let remember their consent, and taking that back: revoking forgets the
 * consent and ends the client's refresh token families for the person, with the access tokens
 * issued in them (RFC 7009 §2.1), in one transaction with its audit event.
 */
@Injectable()
export class AppAccess {
  constructor(
    private readonly consents: ConsentsService,
    private readonly clients: ClientDirectory,
    private readonly refreshTokens: RefreshTokensService,
    private readonly revocation: RevocationService,
    private readonly revocations: RevocationList,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async list(userId: string): Promise<AppRow[]> {
    const consents = await this.consents.listFor(userId);
    return Promise.all(
      consents.map(async (consent) => ({
        clientId: consent.clientId,
        clientName:
          (await this.clients.findActive(consent.clientId))?.clientName || consent.clientId,
        scopes: consent.scopes,
        grantedAt: consent.createdAt,
      })),
    );
  }

  /** Whether there was such a consent; another person's is never touched (the WHERE names the user). */
  async revoke(userId: string, clientId: string, context: AuditContext): Promise<boolean> {
    const revoked = await this.dataSource.transaction(async (manager) => {
      if (!(await this.consents.forget(manager, userId, clientId))) return null;
      const families = await this.refreshTokens.familiesOf(manager, userId, clientId);
      return this.revocation.revokeIssued(manager, families, {
        audit: {
          ...context,
          type: 'consent.revoked',
          target: { type: 'client', id: clientId },
          details: { user_id: userId, refresh_token_families: families.length },
        },
      });
    });
    if (revoked === null) return false;
    this.revocations.announce(revoked);
    return true;
  }
}
