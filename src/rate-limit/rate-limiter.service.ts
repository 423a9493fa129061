import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Counter, RATE_LIMIT_STORE, RateLimitStore } from './rate-limit.store';
import { addressKey } from './source-address';

/** Longer client_ids are not ours (ours are at most 128 characters); they share one counter. */
export const MAX_CLIENT_ID_LENGTH = 256;

/** Seconds until `counter`'s window resets when it is past `limit`, else 0. */
export function secondsToWait(counter: Counter, limit: number, now = Date.now()): number {
  if (counter.count <= limit) return 0;
  return Math.max(1, Math.ceil((counter.resetAt - now) / 1000));
}

/**
 * The request rate limits (RATE_LIMIT_*): a fixed window of RATE_LIMIT_WINDOW seconds per
 * client address and per presented client_id, counted before anything is checked.
 */
@Injectable()
export class RateLimiter {
  private readonly windowMs: number;
  private readonly perIp: number;
  private readonly perClient: number;

  constructor(
    config: AppConfig,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
  ) {
    this.windowMs = config.rateLimits.window * 1000;
    this.perIp = config.rateLimits.perIp;
    this.perClient = config.rateLimits.perClient;
  }

  /**
   * Counts one request from `ip`, and for `clientId` when one was presented. Answers the
   * seconds to wait (0: go ahead). Rejects with RateLimitStoreUnavailableError.
   */
  async consume(ip: string, clientId?: string): Promise<number> {
    // Both counts go out before either is awaited: one round trip to Redis (auto-pipelined).
    const byIp = this.store.increment(`ip:${addressKey(ip)}`, this.windowMs);
    if (clientId === undefined) return secondsToWait(await byIp, this.perIp);
    const byClient = this.store.increment(
      `client:${clientId.slice(0, MAX_CLIENT_ID_LENGTH)}`,
      this.windowMs,
    );
    let ipCounter: Counter;
    try {
      ipCounter = await byIp;
    } catch (error) {
      byClient.catch(() => undefined); // its failure, if any, is this one
      throw error;
    }
    return Math.max(
      secondsToWait(ipCounter, this.perIp),
      secondsToWait(await byClient, this.perClient),
    );
  }
}
