import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ChangeBus } from '../events/change-bus.service';
import { ClientEntity } from './client.entity';

interface CachedClient {
  client: ClientEntity;
  expiresAt: number;
}

const MAX_CACHED = 10_000;
/** Upper bound on staleness when a change was made by another process. */
const CACHE_TTL_MS = 5_000;

/**
 * Read-through cache of clients by `client_id` for the hot paths (/token, token verification).
 * Changes evict at once through the change bus (from every process with DATABASE_URL); the TTL
 * is a backstop for a notification that never came. Concurrent misses share one query.
 */
@Injectable()
export class ClientDirectory implements OnModuleDestroy {
  private readonly cache = new Map<string, CachedClient>();
  private readonly inFlight = new Map<string, Promise<ClientEntity | null>>();
  private readonly unsubscribe: () => void;

  constructor(
    @InjectRepository(ClientEntity) private readonly clients: Repository<ClientEntity>,
    bus: ChangeBus,
  ) {
    this.unsubscribe = bus.subscribe((event) => {
      if (event.type === 'client.changed' || event.type === 'client.deleted') {
        this.cache.delete(event.clientId);
      } else if (event.type === 'resync') {
        this.cache.clear();
      }
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  async find(clientId: string): Promise<ClientEntity | null> {
    const cached = this.cache.get(clientId);
    if (cached && cached.expiresAt > Date.now()) return cached.client;
    let pending = this.inFlight.get(clientId);
    if (!pending) {
      pending = this.load(clientId).finally(() => this.inFlight.delete(clientId));
      this.inFlight.set(clientId, pending);
    }
    return pending;
  }

  /** Only an active client is anyone's business on the token and verification paths. */
  async findActive(clientId: string): Promise<ClientEntity | null> {
    const client = await this.find(clientId);
    return client?.status === 'active' ? client : null;
  }

  private async load(clientId: string): Promise<ClientEntity | null> {
    const client = await this.clients.findOne({ where: { clientId } });
    if (client) {
      if (this.cache.size >= MAX_CACHED) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
      this.cache.set(clientId, { client, expiresAt: Date.now() + CACHE_TTL_MS });
    }
    return client;
  }
}
