import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, MoreThan } from 'typeorm';
import { Housekeeping } from '../database/housekeeping.service';
import { Clock } from '../common/clock';
import { TemporarilyUnavailableError } from '../common/oauth-error';
import { ChangeBus } from '../events/change-bus.service';
import { ResyncedLoad } from '../events/resynced-load';
import { RevokedAccessTokenEntity } from './token.entities';

export interface RevokedToken {
  jti: string;
  /** Epoch seconds: after this the token is dead anyway and leaves the list. */
  exp: number;
}

/** The list may be missing revocations: 503, never a token taken for live (fail closed). */
export class RevocationsUnknownError extends TemporarilyUnavailableError {
  constructor() {
    super('the service is temporarily unavailable', 'revocation list not loaded', {
      headers: { 'retry-after': '1' },
    });
  }
}

/**
 * Access tokens revoked before they expire, by `jti`. Held in memory for the hot paths, stored
 * in the database for new processes, and spread to running ones by the change bus.
 *
 * From a lost notification connection until the reload after it has finished, revocations may
 * have been missed: the list is not `known`, and `isRevoked` refuses to answer.
 */
@Injectable()
export class RevocationList implements OnModuleInit, OnModuleDestroy {
  private readonly revoked = new Map<string, number>();
  private unsubscribe?: () => void;
  private loaded = false;
  private readonly sync = new ResyncedLoad(
    RevocationList.name,
    () => this.load(),
    (known) => (this.loaded = known),
  );

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: ChangeBus,
    housekeeping: Housekeeping,
    private readonly clock: Clock,
  ) {
    housekeeping.register(
      'revoked_access_tokens',
      `DELETE FROM "revoked_access_tokens" WHERE "expires_at" < now()`,
    );
  }

  async onModuleInit(): Promise<void> {
    this.unsubscribe = this.bus.subscribe((event) => {
      if (event.type === 'tokens.revoked') event.tokens.forEach((token) => this.remember(token));
      if (event.type === 'transport.lost') this.sync.lost();
      if (event.type === 'resync') void this.sync.run();
    });
    await this.sync.run();
  }

  onModuleDestroy(): void {
    this.sync.stop();
    this.unsubscribe?.();
  }

  /** Whether every revocation is in the list (false during a gap in change notifications). */
  get known(): boolean {
    return this.loaded;
  }

  /** Throws RevocationsUnknownError (503) while the list is not known. */
  isRevoked(jti: string): boolean {
    if (!this.loaded) throw new RevocationsUnknownError();
    const exp = this.revoked.get(jti);
    if (exp === undefined) return false;
    if (exp * 1000 <= this.clock.now()) {
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
    if (exp * 1000 > this.clock.now()) this.revoked.set(jti, exp);
  }

  /** Adds every live revocation in the table (revocations only ever accumulate). */
  private async load(): Promise<void> {
    const repository = this.dataSource.getRepository(RevokedAccessTokenEntity);
    const rows = await repository.find({ where: { expiresAt: MoreThan(this.clock.date()) } });
    for (const row of rows)
      this.remember({ jti: row.jti, exp: Math.floor(row.expiresAt.getTime() / 1000) });
  }
}
