import { Clock, SystemClock } from '../common/clock';
import { Counter, RateLimitStore } from './rate-limit.store';

interface Entry {
  count: number;
  resetAt: number;
}

/** Enough for every client and address of a busy server; past it the oldest counter goes. */
export const MAX_MEMORY_ENTRIES = 100_000;

/**
 * Counters in this process's memory (no REDIS_URL). A hit on a live counter is one Map lookup
 * and no allocation. Memory stays bounded: past `maxEntries` the entry inserted longest ago,
 * which is the one whose window started first, makes room.
 */
export class MemoryStore implements RateLimitStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = MAX_MEMORY_ENTRIES,
    private readonly clock: Clock = new SystemClock(),
  ) {}

  get size(): number {
    return this.entries.size;
  }

  increment(key: string, ttlMs: number, renew = false): Promise<Counter> {
    const now = this.clock.now();
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.resetAt > now) {
      entry.count += 1;
      if (renew) entry.resetAt = now + ttlMs;
      return Promise.resolve(entry);
    }
    return Promise.resolve(this.start(key, now + ttlMs));
  }

  get(key: string): Promise<Counter | undefined> {
    return Promise.resolve(this.live(key));
  }

  expire(key: string, ttlMs: number): Promise<void> {
    const entry = this.live(key);
    if (entry) entry.resetAt = this.clock.now() + ttlMs;
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.entries.clear();
    return Promise.resolve();
  }

  /** A new window: re-inserted at the end, so insertion order follows window starts. */
  private start(key: string, resetAt: number): Entry {
    const entry: Entry = { count: 1, resetAt };
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, entry);
    return entry;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.resetAt > this.clock.now()) return entry;
    this.entries.delete(key);
    return undefined;
  }
}
