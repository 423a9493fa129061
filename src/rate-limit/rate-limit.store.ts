/** A counter in a rate-limit store: how many hits so far, and when it expires (epoch ms). */
export interface Counter {
  readonly count: number;
  readonly resetAt: number;
}

/**
 * Where rate-limit counters live: this process's memory (MemoryStore) or Redis shared by every
 * process (RedisStore). Every operation on one key is atomic. A store that cannot answer
 * rejects with RateLimitStoreUnavailableError, and callers refuse the request (fail closed).
 */
export interface RateLimitStore {
  /**
   * Adds one to `key`. A new counter expires `ttlMs` later and keeps that expiry (a fixed
   * window); with `renew`, every increment moves the expiry to `ttlMs` from now.
   */
  increment(key: string, ttlMs: number, renew?: boolean): Promise<Counter>;
  /** The counter at `key`, or undefined when there is none (or it expired). */
  get(key: string): Promise<Counter | undefined>;
  /** Moves an existing counter's expiry to `ttlMs` from now. */
  expire(key: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/** Injection token of the configured RateLimitStore. */
export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');

export class RateLimitStoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(
      `rate-limit store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'RateLimitStoreUnavailableError';
  }
}
