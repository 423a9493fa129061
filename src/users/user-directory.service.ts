import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { frozenAttributes } from '../common/attributes';
import { Clock } from '../common/clock';
import { ReadThroughCache } from '../common/read-through-cache';
import { ChangeBus } from '../events/change-bus.service';
import { User, UserStanding, userSnapshot } from './user';
import { UserEntity } from './user.entity';

interface StandingRow {
  id: string;
  status: string;
  tokens_valid_after: Date | null;
  username: string;
  username_normalized: string;
  email: string | null;
  attributes: Record<string, unknown> | null;
}

const MAX_CACHED = 100_000;
/** Upper bound on staleness should a change notification never arrive. */
const CACHE_TTL_MS = 5_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Read-through cache of users by id for token verification on hot paths (userinfo,
 * introspection): a disabled or deleted user is evicted at once through the change bus, in
 * every process. Unknown ids are cached too (as null), so a flood of them costs one query each.
 * Each user is snapshotted once, when it is read.
 */
@Injectable()
export class UserDirectory implements OnModuleDestroy {
  private readonly cache: ReadThroughCache<string, User | null>;
  private readonly unsubscribe: () => void;

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    bus: ChangeBus,
    clock: Clock,
  ) {
    this.cache = new ReadThroughCache({
      load: (id) => this.load(id),
      ttlMs: CACHE_TTL_MS,
      maxSize: MAX_CACHED,
      now: () => clock.now(),
    });
    this.unsubscribe = bus.subscribe((event) => {
      if (event.type === 'user.changed' || event.type === 'user.deleted')
        this.cache.evict(event.userId);
      else if (event.type === 'resync') this.cache.clear();
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** The user if it exists and is active, else null. */
  async findActive(id: string): Promise<User | null> {
    if (!UUID.test(id)) return null;
    return this.cache.get(id);
  }

  /**
   * The standing of every user (one query: 100k users at scale), or of one: what the decision
   * engine keeps of them (docs/access.md).
   */
  async standings(id?: string): Promise<UserStanding[]> {
    const rows = await this.users.query<StandingRow[]>(
      `SELECT id, status, tokens_valid_after, username, username_normalized, email, attributes FROM users${id === undefined ? '' : ' WHERE id = $1'}`,
      id === undefined ? [] : [id],
    );
    return rows.map((row) => ({
      id: row.id,
      active: row.status === 'active',
      tokensValidAfter: row.tokens_valid_after ? new Date(row.tokens_valid_after).getTime() : null,
      usernameNormalized: row.username_normalized,
      username: row.username,
      email: row.email,
      attributes: frozenAttributes(row.attributes),
    }));
  }

  private async load(id: string): Promise<User | null> {
    const found = await this.users.findOne({ where: { id } });
    return found?.status === 'active' ? userSnapshot(found) : null;
  }
}
