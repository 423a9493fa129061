import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { Housekeeping } from '../database/housekeeping.service';
import { RandomService } from '../crypto/random.service';
import { sha256 } from '../crypto/secret-hasher.service';
import { AuthorizationRequest } from './authorization-request';
import { AuthorizationCodeEntity } from './authorization.entities';
import { Clock } from '../common/clock';
import { PASSWORD_ONLY } from './authentication-context';

/** RFC 6749 §4.1.2: short-lived; 60 s is plenty for a redirect and a back-channel call. */
const CODE_TTL_MS = 60_000;

export type Redemption =
  | { outcome: 'redeemed'; code: AuthorizationCodeEntity }
  | { outcome: 'reused'; code: AuthorizationCodeEntity }
  | { outcome: 'invalid' };

/** Authorization codes: 256 random bits, stored by SHA-256, redeemed at most once. */
@Injectable()
export class AuthorizationCodesService {
  constructor(
    @InjectRepository(AuthorizationCodeEntity)
    private readonly codes: Repository<AuthorizationCodeEntity>,
    private readonly random: RandomService,
    private readonly clock: Clock,
    housekeeping: Housekeeping,
  ) {
    // Redeemed codes stay a day, so a late replay is still recognised and revokes its tokens.
    housekeeping.register(
      'authorization_codes',
      `DELETE FROM "authorization_codes" WHERE "expires_at" < now() - interval '1 day'`,
    );
  }

  /** A code for `userId`, carrying how they authenticated (`auth_time`, RFC 8176 `amr`). */
  async issue(
    request: AuthorizationRequest,
    userId: string,
    authTime: Date,
    amr: readonly string[] = PASSWORD_ONLY,
  ): Promise<string> {
    const code = this.random.secret();
    await this.codes.insert({
      codeHash: sha256(code),
      clientId: request.clientId,
      userId,
      redirectUri: request.redirectUri,
      redirectUriGiven: request.redirectUriGiven,
      scopes: request.scopes,
      nonce: request.nonce ?? null,
      codeChallenge: request.codeChallenge ?? null,
      dpopJkt: request.dpopJkt ?? null,
      authTime,
      amr: [...amr],
      expiresAt: new Date(this.clock.now() + CODE_TTL_MS),
    });
    return code;
  }

  /**
   * Marks the code used in one atomic UPDATE, so of any number of parallel redemptions exactly
   * one wins. Another client's attempt does not burn it (the WHERE names the client).
   */
  async redeem(manager: EntityManager, code: string, clientId: string): Promise<Redemption> {
    const codeHash = sha256(code);
    const result = await manager
      .createQueryBuilder()
      .update(AuthorizationCodeEntity)
      .set({ consumedAt: () => 'now()' })
      .where({ codeHash, clientId, consumedAt: IsNull() })
      .andWhere('expires_at > now()')
      .returning('*')
      .execute();
    const rows = result.raw as Record<string, unknown>[];
    if (rows.length === 1) {
      const redeemed = await manager.findOneByOrFail(AuthorizationCodeEntity, { codeHash });
      return { outcome: 'redeemed', code: redeemed };
    }
    const existing = await manager.findOneBy(AuthorizationCodeEntity, { codeHash, clientId });
    if (existing?.consumedAt) return { outcome: 'reused', code: existing };
    return { outcome: 'invalid' };
  }

  async recordAccessToken(
    manager: EntityManager,
    code: AuthorizationCodeEntity,
    jti: string,
    expiresAt: Date,
  ) {
    await manager.update(
      AuthorizationCodeEntity,
      { codeHash: code.codeHash },
      { accessTokenJti: jti, accessTokenExpiresAt: expiresAt },
    );
  }
}
