import { Inject, Injectable, Optional } from '@nestjs/common';
import { Metrics } from '../metrics/metrics';
import { AppConfig } from '../config/app-config';
import { orUnavailable, TooManyRequestsError } from './rate-limit.errors';
import { Counter, RATE_LIMIT_STORE, RateLimitStore } from './rate-limit.store';
import { MAX_CLIENT_ID_LENGTH } from './rate-limiter.service';
import { addressKey } from './source-address';
import { Clock } from '../common/clock';

/** The longest a lock lasts after repeated failures. */
export const MAX_LOCK_MS = 15 * 60 * 1000;

/** The three failure records one client authentication touches. */
interface Records {
  /** Failures from this source, over every client_id: the source pays for guessing. */
  readonly bySource: string;
  /** Failures of this client_id from this source. */
  readonly byPair: string;
  /** Failures of this client_id from every source: tells a distributed attack. */
  readonly byClient: string;
}

/**
 * Backs off failed client authentications (RFC 6749 §10.10 asks servers to make guessing
 * credentials hard) where the guesser pays, never so that a stranger can lock a client out
 * (docs/decisions/0130-client-authentication-backoff.md):
 *
 * - per (client_id, source address): CLIENT_AUTH_MAX_FAILURES failures lock that pair;
 * - per source address: CLIENT_AUTH_MAX_FAILURES_PER_IP failures, whatever the client_id, lock
 *   the source;
 * - per client_id: past CLIENT_AUTH_MAX_FAILURES_PER_CLIENT failures from all sources together,
 *   every source that has failed for that client_id is locked, while sources that have not (the
 *   client itself, with its right secret) go on as usual.
 *
 * Each record counts failures each within RATE_LIMIT_WINDOW of the one before; at its limit it
 * locks for one window, and every further failure doubles the lock, up to MAX_LOCK_MS. While
 * locked, attempts are refused with 429 before any credential is looked at. A success clears
 * only its own (client_id, source) record: the source record protects every other client.
 * Sources are IPv4 addresses and IPv6 /64s.
 */
@Injectable()
export class ClientAuthBackoff {
  private readonly windowMs: number;
  private readonly maxPerPair: number;
  private readonly maxPerSource: number;
  private readonly maxPerClient: number;

  constructor(
    config: AppConfig,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    private readonly clock: Clock,
    @Optional() private readonly metrics: Metrics = Metrics.off(),
  ) {
    this.windowMs = config.rateLimits.window * 1000;
    this.maxPerPair = config.rateLimits.clientAuthMaxFailures;
    this.maxPerSource = config.rateLimits.clientAuthMaxFailuresPerIp;
    this.maxPerClient = config.rateLimits.clientAuthMaxFailuresPerClient;
  }

  /**
   * Throws TooManyRequestsError while `clientId` is locked for `source`; otherwise answers how
   * many recent failures the pair has (pass them to `succeeded`). Like every method here, throws
   * RateLimitUnavailableError (503) when the store cannot answer.
   */
  async admit(clientId: string, source: string): Promise<number> {
    const records = recordsOf(clientId, source);
    // All three reads go out before any is awaited: one round trip to Redis (auto-pipelined).
    const [bySource, byPair, byClient] = await orUnavailable(
      Promise.all([
        this.store.get(records.bySource),
        this.store.get(records.byPair),
        this.store.get(records.byClient),
      ]),
    );
    const lockedFor = Math.max(
      this.lockedFor(bySource, this.maxPerSource),
      this.lockedFor(byPair, this.maxPerPair),
      // A client_id under attack locks only the sources that have failed for it.
      byPair === undefined ? 0 : this.lockedFor(byClient, this.maxPerClient),
    );
    if (lockedFor > 0) {
      this.metrics.rateLimitRejected('client_auth_backoff');
      throw new TooManyRequestsError(
        Math.ceil(lockedFor / 1000),
        'too many failed client authentications; retry after the time in Retry-After',
      );
    }
    return byPair?.count ?? 0;
  }

  async failed(clientId: string, source: string): Promise<void> {
    const records = recordsOf(clientId, source);
    await orUnavailable(
      Promise.all([
        this.count(records.bySource, this.maxPerSource),
        this.count(records.byPair, this.maxPerPair),
        this.count(records.byClient, this.maxPerClient),
      ]),
    );
  }

  /** A success clears the pair's record; `failures` from `admit` saves a store call when clean. */
  async succeeded(clientId: string, source: string, failures: number): Promise<void> {
    if (failures > 0) await orUnavailable(this.store.delete(recordsOf(clientId, source).byPair));
  }

  /** One window at the limit, doubling with each failure past it, capped. */
  lockMs(failures: number, max: number): number {
    const doublings = Math.min(failures - max, 30);
    return Math.min(MAX_LOCK_MS, this.windowMs * 2 ** doublings);
  }

  /**
   * One more failure on `key`. The record's expiry is pushed to (lock + window) after each
   * failure, so the lock ends one window before the record does.
   */
  private async count(key: string, max: number): Promise<void> {
    const { count } = await this.store.increment(key, this.windowMs, true);
    if (count >= max) await this.store.expire(key, this.lockMs(count, max) + this.windowMs);
  }

  private lockedFor(record: Counter | undefined, max: number): number {
    if (record === undefined || record.count < max) return 0;
    return Math.max(0, record.resetAt - this.windowMs - this.clock.now());
  }
}

function recordsOf(clientId: string, source: string): Records {
  const client = clientId.slice(0, MAX_CLIENT_ID_LENGTH);
  const address = addressKey(source);
  return {
    bySource: `client-auth-failures:source:${address}`,
    byPair: `client-auth-failures:pair:${address}:${client}`,
    byClient: `client-auth-failures:client:${client}`,
  };
}
