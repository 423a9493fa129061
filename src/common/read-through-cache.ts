export interface ReadThroughCacheOptions<K, V> {
  /** Reads the value behind a key when it is not cached (or its entry has expired). */
  load: (key: K) => Promise<V>;
  /** How long a loaded value is served before the next read loads it again. */
  ttlMs: number;
  /** At this many entries, the oldest one makes room for a new one. */
  maxSize: number;
  /** Whether a loaded value is kept; every value is, unless this says otherwise. */
  keep?: (value: V) => boolean;
  /** Epoch milliseconds; read at each lookup and store, never captured. */
  now?: () => number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

/**
 * A read-through cache for the hot paths: a hit within its TTL is answered from memory,
 * concurrent misses for one key share one load, and at the size limit the oldest entry goes.
 * Change notifications evict by key (or clear everything); the TTL is the backstop should one
 * never arrive.
 */
export class ReadThroughCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private readonly inFlight = new Map<K, Promise<V>>();
  private readonly now: () => number;

  constructor(private readonly options: ReadThroughCacheOptions<K, V>) {
    this.now = options.now ?? (() => Date.now());
  }

  get(key: K): Promise<V> {
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > this.now()) return Promise.resolve(cached.value);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.load(key).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  evict(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  private async load(key: K): Promise<V> {
    const value = await this.options.load(key);
    if (this.options.keep?.(value) ?? true) {
      if (this.entries.size >= this.options.maxSize) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
      this.entries.set(key, { value, expiresAt: this.now() + this.options.ttlMs });
    }
    return value;
  }
}
