import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ChangeBus } from '../events/change-bus.service';
import { UserEntity } from './user.entity';

interface CachedUser {
  user: UserEntity | null;
  expiresAt: number;
}

const MAX_CACHED = 100_000;
/** Upper bound on staleness should a change notification never arrive. */
const CACHE_TTL_MS = 5_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Read-through cache of users by id for token verification on hot paths (userinfo,
 * introspection): a disabled or deleted user is evicted at once through the change bus, in
 * every process. Unknown ids are cached too (as null), so a flood of them costs one query each.
 */
@Injectable()
export class UserDirectory implements OnModuleDestroy {
  private readonly cache = new Map<string, CachedUser>();
  private readonly inFlight = new Map<string, Promise<UserEntity | null>>();
  private readonly unsubscribe: () => void;

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    bus: ChangeBus,
  ) {
    this.unsubscribe = bus.subscribe((event) => {
      if (event.type === 'user.changed' || event.type === 'user.deleted')
        this.cache.delete(event.userId);
      else if (event.type === 'resync') this.cache.clear();
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** The user if it exists and is active, else null. */
  async findActive(id: string): Promise<UserEntity | null> {
    if (!UUID.test(id)) return null;
    const cached = this.cache.get(id);
    if (cached && cached.expiresAt > Date.now()) return cached.user;
    let pending = this.inFlight.get(id);
    if (!pending) {
      pending = this.load(id).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, pending);
    }
    return pending;
  }

  private async load(id: string): Promise<UserEntity | null> {
    const found = await this.users.findOne({ where: { id } });
    const user = found?.status === 'active' ? found : null;
    if (this.cache.size >= MAX_CACHED) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(id, { user, expiresAt: Date.now() + CACHE_TTL_MS });
    return user;
  }
}
