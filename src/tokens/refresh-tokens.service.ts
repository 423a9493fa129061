import { Injectable } from '@nestjs/common';
import { EntityManager, In, IsNull } from 'typeorm';
import { Clock } from '../common/clock';
import { RandomService } from '../crypto/random.service';
import { SignOutEverywhere } from '../users/sign-out-everywhere';
import { Housekeeping } from '../database/housekeeping.service';
import { sha256 } from '../crypto/secret-hasher.service';
import { RevokedToken } from './revocation-list.service';
import { RefreshTokenEntity } from './token.entities';

export interface NewRefreshToken {
  clientId: string;
  userId: string;
  scopes: string[];
  authTime: Date;
  /** RFC 8176 `amr` of the sign-in the family began with; ID tokens from refresh repeat it. */
  amr: readonly string[];
  /** Absolute end of the family. */
  expiresAt: Date;
  idleLifetimeSeconds: number;
  familyId?: string;
  codeHash?: string | null;
  /** RFC 9449 §5: the DPoP key thumbprint the token is bound to (public clients only). */
  dpopJkt?: string | null;
  /** RFC 8705 §4: the client certificate thumbprint it is bound to (public clients only). */
  x5tS256?: string | null;
  accessToken: RevokedToken;
}

export type Rotation =
  | { outcome: 'rotated'; previous: RefreshTokenEntity }
  | { outcome: 'reused'; previous: RefreshTokenEntity }
  | { outcome: 'invalid' };

/** Refresh token families (RFC 6749 §6, OAuth 2.0 Security BCP §4.14): opaque, hashed, rotated. */
@Injectable()
export class RefreshTokensService {
  constructor(
    private readonly random: RandomService,
    housekeeping: Housekeeping,
    signOut: SignOutEverywhere,
    private readonly clock: Clock,
  ) {
    housekeeping.register(
      'refresh_tokens',
      `DELETE FROM "refresh_tokens" WHERE "expires_at" < now()`,
    );
    // A password change or a disable ends every family of the person's (their access tokens
    // end by the user's cut-off, set in the same transaction).
    signOut.register('refresh_tokens', (manager, userId) =>
      manager.update(
        RefreshTokenEntity,
        { userId, revokedAt: IsNull() },
        { revokedAt: this.clock.date() },
      ),
    );
  }

  async issue(manager: EntityManager, input: NewRefreshToken): Promise<string> {
    const token = this.random.secret();
    const idleEnd = this.clock.now() + input.idleLifetimeSeconds * 1000;
    await manager.insert(RefreshTokenEntity, {
      tokenHash: sha256(token),
      familyId: input.familyId ?? this.random.uuid(),
      clientId: input.clientId,
      userId: input.userId,
      scopes: input.scopes,
      authTime: input.authTime,
      amr: [...input.amr],
      codeHash: input.codeHash ?? null,
      dpopJkt: input.dpopJkt ?? null,
      x5tS256: input.x5tS256 ?? null,
      accessTokenJti: input.accessToken.jti,
      accessTokenExpiresAt: new Date(input.accessToken.exp * 1000),
      expiresAt: input.expiresAt,
      idleExpiresAt: new Date(Math.min(idleEnd, input.expiresAt.getTime())),
    });
    return token;
  }

  /**
   * Marks the token rotated in one atomic UPDATE: of parallel attempts exactly one wins. A token
   * of another client is left untouched (the WHERE names the client).
   */
  async rotate(manager: EntityManager, token: string, clientId: string): Promise<Rotation> {
    const tokenHash = sha256(token);
    const result = await manager
      .createQueryBuilder()
      .update(RefreshTokenEntity)
      .set({ rotatedAt: () => 'now()' })
      .where({ tokenHash, clientId, rotatedAt: IsNull(), revokedAt: IsNull() })
      .andWhere('expires_at > now() AND idle_expires_at > now()')
      .execute();
    const previous = await manager.findOneBy(RefreshTokenEntity, { tokenHash, clientId });
    if (!previous) return { outcome: 'invalid' };
    if (result.affected === 1) return { outcome: 'rotated', previous };
    if (previous.rotatedAt && !previous.revokedAt) return { outcome: 'reused', previous };
    return { outcome: 'invalid' };
  }

  /** The stored row of a refresh token in whatever state (rotated, revoked, expired), or null. */
  findByToken(manager: EntityManager, token: string): Promise<RefreshTokenEntity | null> {
    return manager.findOneBy(RefreshTokenEntity, { tokenHash: sha256(token) });
  }

  /**
   * Locks a family's rows until the caller's transaction ends: a rotation racing a revocation
   * waits, then finds its token revoked, and no new member escapes (RFC 7009 §2.1).
   */
  async lockFamily(manager: EntityManager, familyId: string): Promise<void> {
    await manager
      .createQueryBuilder(RefreshTokenEntity, 'token')
      .select('token.id')
      .where({ familyId })
      .setLock('pessimistic_write')
      .getMany();
  }

  /** Ends whole families; returns the access tokens issued in them, to be revoked too. */
  async revokeFamilies(manager: EntityManager, familyIds: string[]): Promise<RevokedToken[]> {
    if (familyIds.length === 0) return [];
    await manager.update(
      RefreshTokenEntity,
      { familyId: In(familyIds), revokedAt: IsNull() },
      { revokedAt: this.clock.date() },
    );
    const rows = await manager.find(RefreshTokenEntity, { where: { familyId: In(familyIds) } });
    return rows
      .map((row) => ({
        jti: row.accessTokenJti,
        exp: Math.floor(row.accessTokenExpiresAt.getTime() / 1000),
      }))
      .filter((token) => token.exp * 1000 > this.clock.now());
  }

  /** The live families a client holds for a user (the account's apps page revokes them). */
  async familiesOf(manager: EntityManager, userId: string, clientId: string): Promise<string[]> {
    const rows = await manager.find(RefreshTokenEntity, {
      where: { userId, clientId, revokedAt: IsNull() },
      select: { familyId: true },
    });
    return [...new Set(rows.map((row) => row.familyId))];
  }

  async familiesFromCode(manager: EntityManager, codeHash: string): Promise<string[]> {
    const rows = await manager.find(RefreshTokenEntity, {
      where: { codeHash },
      select: { familyId: true },
    });
    return [...new Set(rows.map((row) => row.familyId))];
  }
}
