import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { RandomService } from '../crypto/random.service';
import { sha256 } from '../crypto/secret-hasher.service';
import { Housekeeping } from '../database/housekeeping.service';
import { PasskeyChallengeEntity } from './passkey.entities';

/** The cookie that binds a ceremony to the browser that began it; only its SHA-256 is stored. */
export const CEREMONY_COOKIE = 'gatehouse_webauthn';

/** How long a person has to answer the authenticator's prompt (WebAuthn §5.4 `timeout`). */
export const CEREMONY_TTL_MS = 2 * 60 * 1000;

export type CeremonyPurpose = 'register' | 'sign-in' | 'second-factor';

export interface IssuedChallenge {
  /** The value for CEREMONY_COOKIE. */
  cookie: string;
  /** base64url of 32 random bytes (WebAuthn §13.4.3: at least 16). */
  challenge: string;
}

export interface PendingCeremony {
  challenge: string;
  userId: string | null;
}

/**
 * Challenges live on the server, never in what the client sends back: one per browser cookie,
 * for one purpose, short-lived, and deleted by the first attempt to use it, right or wrong
 * (WebAuthn §13.4.3; docs/decisions/0319-passkey-challenges-on-the-server.md).
 */
@Injectable()
export class PasskeyChallenges {
  constructor(
    @InjectRepository(PasskeyChallengeEntity)
    private readonly challenges: Repository<PasskeyChallengeEntity>,
    private readonly random: RandomService,
    private readonly clock: Clock,
    housekeeping: Housekeeping,
  ) {
    housekeeping.register(
      'passkey_challenges',
      `DELETE FROM "passkey_challenges" WHERE "expires_at" < now()`,
    );
  }

  async issue(purpose: CeremonyPurpose, userId: string | null): Promise<IssuedChallenge> {
    const cookie = this.random.secret();
    const challenge = this.random.secret();
    await this.challenges.insert({
      idHash: sha256(cookie),
      purpose,
      challenge,
      userId,
      expiresAt: new Date(this.clock.now() + CEREMONY_TTL_MS),
    });
    return { cookie, challenge };
  }

  /**
   * The ceremony `cookie` began for `purpose`, removed in the same statement so that two
   * concurrent answers cannot both use it; null when there is none, it expired or served
   * another purpose.
   */
  async consume(
    cookie: string | undefined,
    purpose: CeremonyPurpose,
  ): Promise<PendingCeremony | null> {
    if (!cookie || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) return null;
    const deleted = await this.challenges
      .createQueryBuilder()
      .delete()
      .where('id_hash = :idHash', { idHash: sha256(cookie) })
      .returning('*')
      .execute();
    // PostgreSQL's driver answers a DELETE with [rows, count]; PGlite's with the rows.
    const raw = deleted.raw as unknown[];
    const rows = (Array.isArray(raw[0]) ? raw[0] : raw) as Array<{
      purpose: string;
      challenge: string;
      user_id: string | null;
      expires_at: Date | string;
    }>;
    const row = rows[0];
    if (!row || row.purpose !== purpose) return null;
    if (new Date(row.expires_at).getTime() <= this.clock.now()) return null;
    return { challenge: row.challenge, userId: row.user_id };
  }
}
