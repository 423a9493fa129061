import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, MoreThan, Repository } from 'typeorm';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { RandomService } from '../../crypto/random.service';
import { sha256 } from '../../crypto/secret-hasher.service';
import { Housekeeping } from '../../database/housekeeping.service';
import { SignOutEverywhere } from '../../users/sign-out-everywhere';
import { PendingSignInEntity } from './second-factor.entities';

export const PENDING_SIGN_IN_COOKIE = 'gatehouse_pending';
/** Five minutes to find the phone and type a code. */
export const PENDING_SIGN_IN_TTL_SECONDS = 300;

export interface PendingSignIn {
  userId: string;
  amr: string[];
  authTime: Date;
  interaction: string | null;
}

/**
 * Sign-ins waiting for their second factor, in the database so every process shares them. The
 * browser holds 256 random bits in an HttpOnly cookie; the table keeps only their SHA-256. A
 * pending sign-in ends when a session replaces it (`take`), at its expiry, or at a new sign-in.
 */
@Injectable()
export class PendingSignIns {
  constructor(
    @InjectRepository(PendingSignInEntity)
    private readonly pending: Repository<PendingSignInEntity>,
    private readonly random: RandomService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    housekeeping: Housekeeping,
    signOut: SignOutEverywhere,
  ) {
    housekeeping.register(
      'pending_sign_ins',
      `DELETE FROM "pending_sign_ins" WHERE "expires_at" < now()`,
    );
    // A password change or a disable ends sign-ins half done, too.
    signOut.register('pending_sign_ins', (manager, userId) =>
      manager.delete(PendingSignInEntity, { userId }),
    );
  }

  /** Records that `userId` passed `amr`; returns the cookie value. */
  async create(
    userId: string,
    amr: readonly string[],
    interaction: string | undefined,
  ): Promise<string> {
    const value = this.random.secret();
    await this.pending.insert({
      idHash: sha256(value),
      userId,
      amr: [...amr],
      authTime: this.clock.date(),
      interaction: interaction ?? null,
      expiresAt: new Date(this.clock.now() + PENDING_SIGN_IN_TTL_SECONDS * 1000),
    });
    return value;
  }

  /** The live pending sign-in behind a cookie, or null (unknown, expired, malformed). */
  async find(cookie: string | undefined): Promise<PendingSignIn | null> {
    if (!cookie || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) return null;
    const found = await this.pending.findOneBy({
      idHash: sha256(cookie),
      expiresAt: MoreThan(this.clock.date()),
    });
    return found
      ? {
          userId: found.userId,
          amr: found.amr,
          authTime: found.authTime,
          interaction: found.interaction,
        }
      : null;
  }

  /** Ends the pending sign-in; true when this call ended it (of parallel calls, exactly one). */
  async take(cookie: string, manager: EntityManager): Promise<boolean> {
    const result = await manager.delete(PendingSignInEntity, {
      idHash: sha256(cookie),
      expiresAt: MoreThan(this.clock.date()),
    });
    return (result.affected ?? 0) === 1;
  }

  cookieOptions(maxAge?: number) {
    return {
      path: '/',
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: this.config.issuer.startsWith('https:'),
      ...(maxAge !== undefined ? { maxAge } : {}),
    };
  }
}
