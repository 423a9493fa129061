import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, MoreThan } from 'typeorm';
import { Housekeeping } from '../database/housekeeping.service';
import { ChangeBus } from '../events/change-bus.service';
import { RevokedAccessTokenEntity } from './token.entities';

export interface RevokedToken {
  jti: string;
  /** Epoch seconds: after this the token is dead anyway and leaves the list. */
  exp: number;
}

/**
 * Access tokens revoked before they expire, by `jti`. Held in memory for the hot paths, stored
 * in the database for new processes, and spread to running ones by the change bus.
 */
@Injectable()
export class RevocationList implements OnModuleInit, OnModuleDestroy {
  private readonly revoked = new Map<string, number>();
  private unsubscribe?: () => void;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: ChangeBus,
    housekeeping: Housekeeping,
  ) {
    housekeeping.register(
      'revoked_access_tokens',
      `DELETE FROM "revoked_access_tokens" WHERE "expires_at" < now()`,
    );
  }

  async onModuleInit(): Promise<void> {
    this.unsubscribe = this.bus.subscribe((event) => {
      if (event.type === 'tokens.revoked') event.tokens.forEach((token) => this.remember(token));
      if (event.type === 'resync') {
        this.load().catch(() => {
          // The next resync (or a restart) loads it; until then the list is as it was.
        });
      }
    });
    await this.load();
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  isRevoked(jti: string): boolean {
    const exp = this.revoked.get(jti);
    if (exp === undefined) return false;
    if (exp * 1000 <= Date.now()) {
      this.revoked.delete(jti);
      return false;
    }
    return true;
  }

  /** Records revocations inside the caller's transaction; announce them after it commits. */
  async record(manager: EntityManager, tokens: RevokedToken[]): Promise<void> {
    if (tokens.length === 0) return;
    await manager
      .createQueryBuilder()
      .insert()
      .into(RevokedAccessTokenEntity)
      .values(tokens.map(({ jti, exp }) => ({ jti, expiresAt: new Date(exp * 1000) })))
      .orIgnore()
      .execute();
  }

  announce(tokens: RevokedToken[]): void {
    if (tokens.length > 0) this.bus.publish({ type: 'tokens.revoked', tokens });
  }

  private remember({ jti, exp }: RevokedToken): void {
    if (exp * 1000 > Date.now()) this.revoked.set(jti, exp);
  }

  private async load(): Promise<void> {
    const repository = this.dataSource.getRepository(RevokedAccessTokenEntity);
    const rows = await repository.find({ where: { expiresAt: MoreThan(new Date()) } });
    for (const row of rows)
      this.remember({ jti: row.jti, exp: Math.floor(row.expiresAt.getTime() / 1000) });
  }
}
