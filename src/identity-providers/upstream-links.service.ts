import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { NotFoundError } from '../common/api-error';
import { AuditContext, SYSTEM_AUDIT } from '../events/audit-context';
import { AuditLog } from '../events/audit-log.service';
import { UpstreamLinkView } from './identity-provider.dto';
import { IdentityProviderEntity, UpstreamLinkEntity } from './identity-provider.entities';
import { isUuidShaped } from '../common/uuid';

/** The identity a person has at an upstream: its issuer and `sub` (OIDC Core §2). */
export interface UpstreamIdentity {
  providerId: string;
  issuer: string;
  subject: string;
}

/** Which local user each upstream identity signs in as (docs/identity-providers.md). */
@Injectable()
export class UpstreamLinks {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {}

  /** The local user linked to this upstream identity, if any. */
  async userOf(identity: UpstreamIdentity): Promise<string | null> {
    const link = await this.dataSource.getRepository(UpstreamLinkEntity).findOne({
      where: { issuer: identity.issuer, subject: identity.subject },
    });
    return link?.userId ?? null;
  }

  /**
   * Links the identity to `userId` in the caller's transaction, which must also hold the
   * change's audit event; a unique violation means someone linked it first.
   */
  async link(manager: EntityManager, identity: UpstreamIdentity, userId: string): Promise<void> {
    await manager.insert(UpstreamLinkEntity, { ...identity, userId });
  }

  /** A user's links, oldest first, with the alias of the provider that made each. */
  async linksOf(userId: string): Promise<UpstreamLinkView[]> {
    if (!isUuidShaped(userId)) throw new NotFoundError(`user ${userId}`);
    const rows = await this.dataSource
      .getRepository(UpstreamLinkEntity)
      .createQueryBuilder('link')
      .innerJoin(IdentityProviderEntity, 'provider', 'provider.id = link.provider_id')
      .select(['link.id AS id', 'provider.alias AS alias', 'link.issuer AS issuer'])
      .addSelect(['link.subject AS subject', 'link.created_at AS created_at'])
      .where('link.user_id = :userId', { userId })
      .orderBy('link.created_at', 'ASC')
      .getRawMany<{
        id: string;
        alias: string;
        issuer: string;
        subject: string;
        created_at: Date;
      }>();
    return rows.map((row) => ({ ...row, created_at: new Date(row.created_at).toISOString() }));
  }

  /** Removes one link of a user: that upstream identity no longer signs in as them. */
  async unlink(
    userId: string,
    linkId: string,
    context: AuditContext = SYSTEM_AUDIT,
  ): Promise<void> {
    if (!isUuidShaped(userId) || !isUuidShaped(linkId)) throw new NotFoundError(`link ${linkId}`);
    await this.dataSource.transaction(async (manager) => {
      const link = await manager.findOne(UpstreamLinkEntity, { where: { id: linkId, userId } });
      if (!link) throw new NotFoundError(`link ${linkId}`);
      await manager.delete(UpstreamLinkEntity, { id: link.id });
      await this.audit.record(
        {
          ...context,
          type: 'upstream.unlinked',
          target: { type: 'user', id: userId },
          details: { issuer: link.issuer },
        },
        manager,
      );
    });
  }
}
