import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../common/clock';
import { KeyEncryption } from '../../crypto/key-encryption.service';
import { RandomService } from '../../crypto/random.service';
import { sha256 } from '../../crypto/secret-hasher.service';
import { Housekeeping } from '../../database/housekeeping.service';
import { AuthorizationChecks } from './upstream-relying-party';
import { UpstreamAuthorizationEntity, UpstreamLinkOfferEntity } from './upstream.entities';

/** How long a person has at the upstream, or to enter their password to link, before starting again. */
export const UPSTREAM_PENDING_TTL_SECONDS = 10 * 60;

/** A sign-in sent to an upstream, as its callback reads it back. */
export interface PendingAuthorization extends AuthorizationChecks {
  providerId: string;
  interaction: string | null;
}

/** An offer to link an upstream identity to the account with its verified email. */
export interface LinkOffer {
  providerId: string;
  issuer: string;
  subject: string;
  userId: string;
  amr: string[];
  interaction: string | null;
}

/**
 * What an upstream sign-in keeps between requests, server-side. The browser holds a random
 * value in a cookie; the tables hold its SHA-256, so the state is bound to that browser, and
 * a database reader learns nothing usable. Each is taken once (deleted as it is read) and
 * expires after UPSTREAM_PENDING_TTL_SECONDS.
 */
@Injectable()
export class UpstreamPending {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly random: RandomService,
    private readonly encryption: KeyEncryption,
    private readonly clock: Clock,
    housekeeping: Housekeeping,
  ) {
    housekeeping.register(
      'upstream_authorizations',
      `DELETE FROM "upstream_authorizations" WHERE "expires_at" < now()`,
    );
    housekeeping.register(
      'upstream_link_offers',
      `DELETE FROM "upstream_link_offers" WHERE "expires_at" < now()`,
    );
  }

  /** Keeps an authorization sent upstream; returns the cookie value that finds it. */
  async hold(pending: PendingAuthorization): Promise<string> {
    const cookie = this.random.secret();
    await this.dataSource.getRepository(UpstreamAuthorizationEntity).insert({
      idHash: sha256(cookie),
      providerId: pending.providerId,
      state: pending.state,
      nonce: pending.nonce,
      codeVerifierSealed: this.encryption.encrypt(Buffer.from(pending.codeVerifier)),
      interaction: pending.interaction,
      expiresAt: this.expiry(),
    });
    return cookie;
  }

  /** The authorization behind a cookie, removed as it is read (single use); null if none is live. */
  async take(cookie: string | undefined): Promise<PendingAuthorization | null> {
    const row = await this.takeRow<UpstreamAuthorizationRow>('upstream_authorizations', cookie);
    if (!row) return null;
    return {
      providerId: row.provider_id,
      state: row.state,
      nonce: row.nonce,
      codeVerifier: this.encryption.decrypt(row.code_verifier_sealed).toString(),
      interaction: row.interaction,
    };
  }

  /** Keeps a link offer; returns the cookie value that finds it. */
  async offer(offer: LinkOffer): Promise<string> {
    const cookie = this.random.secret();
    await this.dataSource.getRepository(UpstreamLinkOfferEntity).insert({
      idHash: sha256(cookie),
      ...offer,
      expiresAt: this.expiry(),
    });
    return cookie;
  }

  /** The live link offer behind a cookie, left in place (the page shows it). */
  async findOffer(cookie: string | undefined): Promise<LinkOffer | null> {
    if (!validCookie(cookie)) return null;
    const found = await this.dataSource.getRepository(UpstreamLinkOfferEntity).findOne({
      where: { idHash: sha256(cookie) },
    });
    if (!found || found.expiresAt.getTime() <= this.clock.now()) return null;
    return {
      providerId: found.providerId,
      issuer: found.issuer,
      subject: found.subject,
      userId: found.userId,
      amr: found.amr,
      interaction: found.interaction,
    };
  }

  /** Removes a link offer once it is used; true when this call removed it (single use). */
  async withdrawOffer(cookie: string | undefined): Promise<boolean> {
    return (await this.takeRow('upstream_link_offers', cookie)) !== null;
  }

  private async takeRow<T extends { expires_at: Date }>(
    table: 'upstream_authorizations' | 'upstream_link_offers',
    cookie: string | undefined,
  ): Promise<T | null> {
    if (!validCookie(cookie)) return null;
    // DELETE … RETURNING: of two requests with the same cookie, only one gets the row.
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(table)
      .where('id_hash = :idHash', { idHash: sha256(cookie) })
      .returning('*')
      .execute();
    const row = (result.raw as T[])[0];
    if (!row || new Date(row.expires_at).getTime() <= this.clock.now()) return null;
    return row;
  }

  private expiry(): Date {
    return new Date(this.clock.now() + UPSTREAM_PENDING_TTL_SECONDS * 1000);
  }
}

interface UpstreamAuthorizationRow {
  provider_id: string;
  state: string;
  nonce: string;
  code_verifier_sealed: string;
  interaction: string | null;
  expires_at: Date;
}

/** A cookie value as RandomService.secret makes them (base64url); anything else finds nothing. */
function validCookie(cookie: string | undefined): cookie is string {
  return typeof cookie === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(cookie);
}
