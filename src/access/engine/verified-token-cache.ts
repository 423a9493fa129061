import { CacheLookups } from '../../metrics/metrics';

/**
 * Tokens whose signature already verified, so a gateway's repeated token costs a Map lookup
 * instead of a signature check. Holds what the engine read from each token once; bounded, and an
 * entry is never used at or past the token's `exp`, nor after a signing key stopped being
 * trusted (`trustEpoch` changed: a key withdrawn for compromise must take its tokens with it).
 */
export class VerifiedTokenCache<T extends { exp: number }> {
  private readonly entries = new Map<string, T>();
  private epoch?: number;

  constructor(
    private readonly capacity = 10_000,
    private readonly trustEpoch: () => number | undefined = () => undefined,
    private readonly lookups: CacheLookups = { hit: () => undefined, miss: () => undefined },
  ) {}

  /** A lookup, counted as a hit or miss (docs/metrics.md, cache_requests_total). */
  get(token: string, nowMs: number): T | undefined {
    const entry = this.again(token, nowMs);
    if (entry === undefined) this.lookups.miss();
    else this.lookups.hit();
    return entry;
  }

  /** A lookup not counted: the same token looked up again within one decision. */
  again(token: string, nowMs: number): T | undefined {
    this.sync();
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.exp * 1000 <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry;
  }

  /**
   * `verifiedAt` is the trust epoch read before the signature check began: a key withdrawn
   * meanwhile may have verified it, so it is not kept.
   */
  set(token: string, entry: T, verifiedAt = this.trustEpoch()): void {
    this.sync();
    if (verifiedAt !== this.epoch) return;
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, entry);
  }

  private sync(): void {
    const epoch = this.trustEpoch();
    if (epoch === this.epoch) return;
    this.entries.clear();
    this.epoch = epoch;
  }
}
