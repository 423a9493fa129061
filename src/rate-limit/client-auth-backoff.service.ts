import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { orUnavailable, TooManyRequestsError } from './rate-limit.errors';
import { Counter, RATE_LIMIT_STORE, RateLimitStore } from './rate-limit.store';
import { MAX_CLIENT_ID_LENGTH } from './rate-limiter.service';

/** The longest a client_id stays locked after repeated failures. */
export const MAX_LOCK_MS = 15 * 60 * 1000;

/**
 * Backs off failed client authentications per client_id (RFC 6749 §10.10 asks servers to make
 * guessing credentials hard). CLIENT_AUTH_MAX_FAILURES failures, each within
 * RATE_LIMIT_WINDOW of the one before, lock the client_id for one window; every further
 * failure after a lock doubles it, up to MAX_LOCK_MS. While locked, attempts are refused with
 * 429 without checking credentials. A success clears the record.
 *
 * One counter per client_id holds it all: its expiry is pushed to (lock + window) after each
 * failure, so the lock ends one window before the counter does.
 */
@Injectable()
export class ClientAuthBackoff {
  private readonly windowMs: number;
  private readonly maxFailures: number;

  constructor(
    config: AppConfig,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
  ) {
    this.windowMs = config.rateLimits.window * 1000;
    this.maxFailures = config.rateLimits.clientAuthMaxFailures;
  }

  /**
   * Throws TooManyRequestsError while `clientId` is locked; otherwise answers how many recent
   * failures it has (pass them to `succeeded`). Like every method here, throws
   * RateLimitUnavailableError (503) when the store cannot answer.
   */
  async admit(clientId: string): Promise<number> {
    const record: Counter | undefined = await orUnavailable(this.store.get(keyOf(clientId)));
    if (record === undefined) return 0;
    if (record.count >= this.maxFailures) {
      const lockedFor = record.resetAt - this.windowMs - Date.now();
      if (lockedFor > 0) {
        throw new TooManyRequestsError(
          Math.ceil(lockedFor / 1000),
          'too many failed client authentications; retry after the time in Retry-After',
        );
      }
    }
    return record.count;
  }

  async failed(clientId: string): Promise<void> {
    const key = keyOf(clientId);
    const { count } = await orUnavailable(this.store.increment(key, this.windowMs, true));
    if (count >= this.maxFailures) {
      await orUnavailable(this.store.expire(key, this.lockMs(count) + this.windowMs));
    }
  }

  /** A success resets the backoff; `failures` from `admit` saves a store call when clean. */
  async succeeded(clientId: string, failures: number): Promise<void> {
    if (failures > 0) await orUnavailable(this.store.delete(keyOf(clientId)));
  }

  /** One window at the limit, doubling with each failure past it, capped. */
  lockMs(failures: number): number {
    const doublings = Math.min(failures - this.maxFailures, 30);
    return Math.min(MAX_LOCK_MS, this.windowMs * 2 ** doublings);
  }
}

function keyOf(clientId: string): string {
  return `client-auth-failures:${clientId.slice(0, MAX_CLIENT_ID_LENGTH)}`;
}
