import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { frozenAttributes } from '../common/attributes';
import { isGatehouseScope } from '../common/auth/permissions';
import { Clock } from '../common/clock';
import { ReadThroughCache } from '../common/read-through-cache';
import { ChangeBus } from '../events/change-bus.service';
import { Client, ClientStanding, RegisteredClient, registeredClient } from './client';
import { ClientEntity } from './client.entity';

interface StandingRow {
  client_id: string;
  status: string;
  tokens_valid_after: Date | null;
  attributes: Record<string, unknown> | null;
  scopes: string[];
}

const MAX_CACHED = 10_000;
/** Upper bound on staleness when a change was made by another process. */
const CACHE_TTL_MS = 5_000;

/**
 * Read-through cache of clients by `client_id` for the hot paths (/token, token verification).
 * Changes evict at once through the change bus (from every process with DATABASE_URL); the TTL
 * is a backstop for a notification that never came. Concurrent misses share one query; an
 * unknown client is not cached. Each client is snapshotted once, when it is read.
 */
@Injectable()
export class ClientDirectory implements OnModuleDestroy {
  private readonly cache: ReadThroughCache<string, RegisteredClient | null>;
  private readonly unsubscribe: () => void;

  constructor(
    @InjectRepository(ClientEntity) private readonly clients: Repository<ClientEntity>,
    bus: ChangeBus,
    clock: Clock,
  ) {
    this.cache = new ReadThroughCache({
      load: (clientId) => this.load(clientId),
      ttlMs: CACHE_TTL_MS,
      maxSize: MAX_CACHED,
      now: () => clock.now(),
      keep: (client) => client !== null,
    });
    this.unsubscribe = bus.subscribe((event) => {
      if (event.type === 'client.changed' || event.type === 'client.deleted') {
        this.cache.evict(event.clientId);
      } else if (event.type === 'resync') {
        this.cache.clear();
      }
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  find(clientId: string): Promise<Client | null> {
    return this.cache.get(clientId);
  }

  /** Only an active client is anyone's business on the token and verification paths. */
  async findActive(clientId: string): Promise<Client | null> {
    const client = await this.cache.get(clientId);
    return client?.status === 'active' ? client : null;
  }

  /** The client with its credentials, for the clients module's own client authentication. */
  findRegistered(clientId: string): Promise<RegisteredClient | null> {
    return this.cache.get(clientId);
  }

  /** Every origin some active client allows (allowed_cors_origins), for CORS preflights. */
  async activeCorsOrigins(): Promise<string[]> {
    const rows = await this.clients.find({
      select: { allowedCorsOrigins: true },
      where: { status: 'active' },
    });
    return rows.flatMap((row) => row.allowedCorsOrigins);
  }

  /**
   * The standing of every client (one query), or of one: what the decision engine keeps of
   * them (docs/access.md).
   */
  async standings(clientId?: string): Promise<ClientStanding[]> {
    const rows = await this.clients.query<StandingRow[]>(
      `SELECT client_id, status, tokens_valid_after, attributes, scopes FROM clients${
        clientId === undefined ? '' : ' WHERE client_id = $1'
      }`,
      clientId === undefined ? [] : [clientId],
    );
    return rows.map((row) => ({
      clientId: row.client_id,
      active: row.status === 'active',
      tokensValidAfter: row.tokens_valid_after ? new Date(row.tokens_valid_after).getTime() : null,
      attributes: frozenAttributes(row.attributes),
      gatehouseScopes: row.scopes.filter(isGatehouseScope),
    }));
  }

  private async load(clientId: string): Promise<RegisteredClient | null> {
    const client = await this.clients.findOne({ where: { clientId } });
    return client ? registeredClient(client) : null;
  }
}
