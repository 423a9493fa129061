import { Logger } from '@nestjs/common';
import { Redis, Result } from 'ioredis';
import { Counter, RateLimitStore, RateLimitStoreUnavailableError } from './rate-limit.store';
import { Clock, SystemClock } from '../common/clock';

/** A slow Redis must not hold requests: past this the command fails and the request gets 503. */
export const COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 1_000;
/** At most one log line per this interval while Redis is failing. */
const LOG_INTERVAL_MS = 10_000;
/** Every key this store writes starts with this (after an ioredis `keyPrefix` from the URL). */
export const KEY_PREFIX = 'gatehouse:rate-limit:';

/** INCR + expiry in one script, so the count and its window can never come apart. */
const INCREMENT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 or ARGV[2] == '1' then
  ttl = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return {count, ttl}
`;

const GET_SCRIPT = `
local count = redis.call('GET', KEYS[1])
if not count then return nil end
return {tonumber(count), redis.call('PTTL', KEYS[1])}
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    rateLimitIncrement(
      key: string,
      ttlMs: number,
      renew: string,
    ): Result<[number, number], Context>;
    rateLimitGet(key: string): Result<[number, number] | null, Context>;
  }
}

/**
 * Counters in Redis (REDIS_URL), shared by every process. Connects on first use and reconnects
 * by itself; while Redis cannot answer, commands fail at once (no offline queue) or after
 * COMMAND_TIMEOUT_MS, and the caller refuses the request. Commands issued in the same tick go
 * out as one pipeline. A `?keyPrefix=` on the URL (an ioredis option) keeps deployments that
 * share one Redis apart.
 */
export class RedisStore implements RateLimitStore {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis;
  private connected?: Promise<void>;
  private lastLoggedAt = 0;
  private suppressed = 0;

  constructor(
    url: string,
    private readonly clock: Clock = new SystemClock(),
  ) {
    this.redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: CONNECT_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    });
    this.redis.defineCommand('rateLimitIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
    this.redis.defineCommand('rateLimitGet', { numberOfKeys: 1, lua: GET_SCRIPT });
    this.redis.on('error', (error: unknown) => this.report(error));
  }

  async increment(key: string, ttlMs: number, renew = false): Promise<Counter> {
    const [count, ttl] = await this.run(() =>
      this.redis.rateLimitIncrement(KEY_PREFIX + key, ttlMs, renew ? '1' : '0'),
    );
    return { count, resetAt: this.clock.now() + ttl };
  }

  async get(key: string): Promise<Counter | undefined> {
    const found = await this.run(() => this.redis.rateLimitGet(KEY_PREFIX + key));
    return found ? { count: found[0], resetAt: this.clock.now() + found[1] } : undefined;
  }

  async expire(key: string, ttlMs: number): Promise<void> {
    await this.run(() => this.redis.pexpire(KEY_PREFIX + key, ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.run(() => this.redis.del(KEY_PREFIX + key));
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') {
      await this.redis.quit().catch(() => this.redis.disconnect());
    } else {
      this.redis.disconnect();
    }
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      // Connect on first use; after that ioredis reconnects by itself.
      if (this.redis.status !== 'ready') await (this.connected ??= this.connect());
      return await command();
    } catch (error) {
      this.report(error);
      throw new RateLimitStoreUnavailableError(error);
    }
  }

  private connect(): Promise<void> {
    return this.redis.connect().catch((error: unknown) => this.report(error));
  }

  /** Fail closed, and say so: the first failure, then one line per LOG_INTERVAL_MS. */
  private report(error: unknown): void {
    const now = this.clock.now();
    if (now - this.lastLoggedAt < LOG_INTERVAL_MS) {
      this.suppressed += 1;
      return;
    }
    const more =
      this.suppressed > 0 ? ` (${this.suppressed} more failures since the last report)` : '';
    this.lastLoggedAt = now;
    this.suppressed = 0;
    this.logger.error(
      `Redis for rate limits cannot answer, rate-limited endpoints answer 503: ${
        error instanceof Error ? error.message : String(error)
      }${more}`,
    );
  }
}
