import { Inject, Injectable, Optional } from '@nestjs/common';
import { Metrics } from '../metrics/metrics';
import { AppConfig } from '../config/app-config';
import { Counter, RATE_LIMIT_STORE, RateLimitStore } from './rate-limit.store';
import { addressKey } from './source-address';
import { Clock } from '../common/clock';

/** Longer client_ids are not ours (ours are at most 128 characters); they share one counter. */
export const MAX_CLIENT_ID_LENGTH = 256;

/** Seconds until `counter`'s window resets when it is past `limit`, else 0. */
export function secondsToWait(counter: Counter, limit: number, now: number): number {
  if (counter.count <= limit) return 0;
  return Math.max(1, Math.ceil((counter.resetAt - now) / 1000));
}

/**
 * The request rate limits (RATE_LIMIT_*): a fixed window of RATE_LIMIT_WINDOW seconds per
 * client address, counted before anything is checked, and per authenticated client_id.
 */
@Injectable()
export class RateLimiter {
  private readonly windowMs: number;
  private readonly perIp: number;
  private readonly perClient: number;

  constructor(
    config: AppConfig,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    private readonly clock: Clock,
    @Optional() private readonly metrics: Metrics = Metrics.off(),
  ) {
    this.windowMs = config.rateLimits.window * 1000;
    this.perIp = config.rateLimits.perIp;
    this.perClient = config.rateLimits.perClient;
  }

  /**
   * Counts one request from `ip` (IPv6 per /64), before anything is checked. Answers the
   * seconds to wait (0: go ahead). Rejects with RateLimitStoreUnavailableError.
   */
  async consume(ip: string): Promise<number> {
    const wait = secondsToWait(
      await this.store.increment(`ip:${addressKey(ip)}`, this.windowMs),
      this.perIp,
      this.clock.now(),
    );
    if (wait > 0) this.metrics.rateLimitRejected('per_ip');
    return wait;
  }

  /**
   * Counts one request of a client that has just authenticated as `clientId`: only the client
   * itself spends its own limit, so a stranger presenting its client_id cannot use it up
   * (docs/decisions/0130-client-authentication-backoff.md). Answers the seconds to wait.
   */
  async consumeClient(clientId: string): Promise<number> {
    const counter = await this.store.increment(
      `client:${clientId.slice(0, MAX_CLIENT_ID_LENGTH)}`,
      this.windowMs,
    );
    const wait = secondsToWait(counter, this.perClient, this.clock.now());
    if (wait > 0) this.metrics.rateLimitRejected('per_client');
    return wait;
  }
}
