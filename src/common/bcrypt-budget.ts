/**
 * The bcrypt work a source address may ask for, charged before the work runs (a port that the
 * rate-limit module implements). Each bcrypt costs this server far more than the request that
 * asks for it, so it is counted per source like a request rate.
 */
export abstract class BcryptBudget {
  /**
   * Charges one bcrypt to `source` (an address, counted per IPv4 address or IPv6 /64). Throws a
   * 429 error (common/errors.ts) with Retry-After when its budget is spent, and a 503 one when the counters
   * cannot be read (fail closed).
   */
  abstract spend(source: string): Promise<void>;
}
