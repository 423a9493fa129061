import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, MoreThan } from 'typeorm';
import { Housekeeping } from '../database/housekeeping.service';
import { OAuthError } from '../common/oauth-error';
import { ChangeBus } from '../events/change-bus.service';
import { RevokedAccessTokenEntity } from './token.entities';

export interface RevokedToken {
  jti: string;
  /** Epoch seconds: after this the token is dead anyway and leaves the list. */
  exp: number;
}

const RETRY_MS = 500;

/** The list may be missing revocations: 503, never a token taken for live (fail closed). */
export class RevocationsUnknownError extends OAuthError {
  constructor() {
    super(
      'temporarily_unavailable',
      503,
      'the service is temporarily unavailable',
      'revocation list not loaded',
      { 'retry-after': '1' },
    );
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
  private readonly logger = new Logger(RevocationList.name);
  private readonly revoked = new Map<string, number>();
  private unsubscribe?: () => void;
  private retry?: NodeJS.Timeout;
  private stopped = false;
  /** Bumped by every lost connection and every load: only the newest load may end a gap. */
  private generation = 0;
  private loaded = false;

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
      if (event.type === 'transport.lost') {
        this.generation += 1;
        this.loaded = false;
      }
      if (event.type === 'resync') void this.reload();
    });
    const generation = ++this.generation;
    await this.load();
    if (generation === this.generation) this.loaded = true;
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.retry);
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

  /** Loads the list again after a gap; until it has, it stays unknown, and it retries. */
  private async reload(): Promise<void> {
    const generation = ++this.generation;
    try {
      await this.load();
      if (generation === this.generation) this.loaded = true;
    } catch (error) {
      this.logger.warn(
        `revocations could not load (${error instanceof Error ? error.message : 'unknown error'}); answering 503 until they do`,
      );
      if (this.stopped || this.retry || generation !== this.generation) return;
      this.retry = setTimeout(() => {
        this.retry = undefined;
        void this.reload();
      }, RETRY_MS);
      this.retry.unref();
    }
  }

  private async load(): Promise<void> {
    const repository = this.dataSource.getRepository(RevokedAccessTokenEntity);
    const rows = await repository.find({ where: { expiresAt: MoreThan(new Date()) } });
    for (const row of rows)
      this.remember({ jti: row.jti, exp: Math.floor(row.expiresAt.getTime() / 1000) });
  }
}
