import { DPOP_IAT_WINDOW_S } from './dpop-proof';

/** How many proofs one process remembers at most (about 130 bytes each). */
export const DPOP_REPLAY_MEMORY_CAPACITY = 500_000;

/**
 * RFC 9449 §11.1 for the access decisions, in this process's memory: each (key thumbprint, `jti`)
 * of a proof accepted is remembered until its `iat` plus the window its `iat` was checked
 * against (`windowS`, the same for every proof of one memory), after which the proof is
 * refused as too old anyway. No database round trip per decision; the limit (a replay to another
 * process is not seen) and what an operator can do about it are in
 * docs/decisions/0302-dpop-replay-in-memory-for-decisions.md.
 *
 * Bounded, and failing closed: when full of proofs that could still be replayed, a new proof is
 * refused rather than an old one forgotten.
 */
export class DpopReplayMemory {
  /** `jkt` + `jti` → the second after which the pair may be forgotten. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly capacity = DPOP_REPLAY_MEMORY_CAPACITY) {}

  /** Whether this is the first use of `jti` with the key `jkt`; remembers it when it is. */
  firstUse(
    jkt: string,
    jti: string,
    iat: number,
    nowS: number,
    windowS = DPOP_IAT_WINDOW_S,
  ): boolean {
    this.forgetExpired(nowS);
    // A thumbprint is 43 base64url characters: the pair cannot be read two ways.
    const key = jkt + jti;
    const until = this.seen.get(key);
    if (until !== undefined && until >= nowS) return false;
    if (this.seen.size >= this.capacity) return false;
    this.seen.set(key, iat + windowS);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  /**
   * Drops expired pairs from the oldest end, stopping at the first one still needed. Pairs are
   * added in arrival order and each expires within two windows of its arrival, so an expired pair
   * behind a live one waits at most that long: O(1) per call, amortised.
   */
  private forgetExpired(nowS: number): void {
    for (const [key, until] of this.seen) {
      if (until >= nowS) return;
      this.seen.delete(key);
    }
  }
}
