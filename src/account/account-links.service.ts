import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, MoreThan, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { RandomService } from '../crypto/random.service';
import { sha256 } from '../crypto/secret-hasher.service';
import { Housekeeping } from '../database/housekeeping.service';
import { AccountLinkEntity, AccountLinkPurpose } from './account-link.entity';

/** What our tokens look like: 256 bits in base64url. Anything else is no token of ours. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Single-use links sent by mail (docs/account.md, docs/decisions/0313-account-links.md): 256
 * random bits in the link, their SHA-256 in the table, an expiry, and redemption by one atomic
 * DELETE … RETURNING, so of two racing requests exactly one wins. A new link of a purpose
 * replaces the person's earlier ones: only the latest mail works.
 */
@Injectable()
export class AccountLinks {
  constructor(
    @InjectRepository(AccountLinkEntity) private readonly links: Repository<AccountLinkEntity>,
    private readonly random: RandomService,
    private readonly clock: Clock,
    housekeeping: Housekeeping,
  ) {
    housekeeping.register(
      'account_links',
      `DELETE FROM "account_links" WHERE "expires_at" < now()`,
    );
  }

  /** A new link's token (to put in the mail, never stored or logged). */
  async issue(
    purpose: AccountLinkPurpose,
    userId: string,
    lifetimeSeconds: number,
    email: string | null,
  ): Promise<string> {
    const token = this.random.secret();
    await this.links.manager.transaction(async (manager) => {
      await manager.delete(AccountLinkEntity, { userId, purpose });
      await manager.insert(AccountLinkEntity, {
        tokenHash: sha256(token),
        purpose,
        userId,
        email,
        expiresAt: new Date(this.clock.now() + lifetimeSeconds * 1000),
      });
    });
    return token;
  }

  /** The live link behind `token`, left in place (a page that shows a form before redeeming). */
  async peek(
    purpose: AccountLinkPurpose,
    token: string | undefined,
  ): Promise<AccountLinkEntity | null> {
    if (!token || !TOKEN_SHAPE.test(token)) return null;
    return this.links.findOne({
      where: { tokenHash: sha256(token), purpose, expiresAt: MoreThan(this.clock.date()) },
    });
  }

  /** Redeems `token` in the caller's transaction: the link, now gone, or null (unknown, used, expired). */
  async redeem(
    manager: EntityManager,
    purpose: AccountLinkPurpose,
    token: string | undefined,
  ): Promise<{ userId: string; email: string | null } | null> {
    if (!token || !TOKEN_SHAPE.test(token)) return null;
    const result = await manager
      .createQueryBuilder()
      .delete()
      .from(AccountLinkEntity)
      .where({ tokenHash: sha256(token), purpose })
      .andWhere('expires_at > :now', { now: this.clock.date() })
      .returning('"user_id", "email"')
      .execute();
    const rows = result.raw as Array<{ user_id: string; email: string | null }>;
    return rows.length === 1 ? { userId: rows[0].user_id, email: rows[0].email } : null;
  }

  /** Ends every link of `purpose` the person holds (a reset done, the address changed). */
  async revokeAll(
    manager: EntityManager,
    userId: string,
    purpose: AccountLinkPurpose,
  ): Promise<void> {
    await manager.delete(AccountLinkEntity, { userId, purpose });
  }
}
