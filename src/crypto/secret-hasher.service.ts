import { Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BcryptBudget } from '../common/bcrypt-budget';
import { AppConfig } from '../config/app-config';
import { CacheLookups, Metrics } from '../metrics/metrics';
import { BcryptPool } from './bcrypt-pool';

interface VerifiedSecret {
  /** The stored hash the secret was verified against: a rotation elsewhere changes it. */
  hash: string;
  /** HMAC of the presented secret under a per-process key; never the secret itself. */
  mac: Buffer;
}

const MAX_REMEMBERED = 10_000;
/** Per owner: its current secret and, during a rotation's grace period, its previous one. */
const MAX_REMEMBERED_PER_OWNER = 2;

/**
 * Client secrets and passwords at rest are bcrypt hashes (run async on libuv's thread pool, see
 * BcryptPool). A positive verification is remembered in memory, keyed by the owner, as an HMAC
 * of the presented secret bound to the stored hash, so a client that keeps presenting the same
 * valid secret costs one HMAC instead of one bcrypt. `forget` drops it on rotation, disable and
 * delete.
 *
 * No timing oracle (docs/security/guessing.md): memory only ever makes the right
 * answer fast. A wrong secret for a known owner always costs a full bcrypt, as `verifyNothing`
 * does for an unknown one.
 *
 * Every method that runs bcrypt for a request takes the request's `source` address and charges
 * the bcrypt to that source's BcryptBudget first, so a stranger cannot make this server hash
 * without limit. Work that no stranger can start (the admin API, boot) passes no source.
 */
@Injectable()
export class SecretHasher implements OnModuleInit {
  private readonly macKey = randomBytes(32);
  private readonly verified = new Map<string, VerifiedSecret[]>();
  private dummyHash?: Promise<string>;
  private readonly bcrypt: BcryptPool;
  private readonly lookups: CacheLookups;

  constructor(
    private readonly config: AppConfig,
    private readonly budget: BcryptBudget,
    @Optional() metrics: Metrics = Metrics.off(),
  ) {
    this.bcrypt = new BcryptPool(
      undefined,
      metrics.enabled ? (s) => metrics.bcryptWaited(s) : undefined,
    );
    metrics.watchBcryptQueue(() => this.bcrypt.queued);
    this.lookups = metrics.cacheLookups('client_secret');
  }

  /** The dummy hash is ready before the first unknown owner, which must not cost two bcrypts. */
  onModuleInit(): void {
    void this.dummy().catch(() => undefined);
  }

  async hash(secret: string, source?: string): Promise<string> {
    await this.charge(source);
    return this.bcrypt.hash(secret, this.config.bcryptCost);
  }

  /** bcrypt comparison without memory: for passwords, which people type rather than replay. */
  async compare(presented: string, hash: string, source?: string): Promise<boolean> {
    await this.charge(source);
    return this.bcrypt.compare(presented, hash);
  }

  /**
   * Whether `presented` matches `hashes` (one, or a client's current and previous secret during
   * a rotation's grace period); `owner` scopes the memory of a positive answer. Several hashes
   * are compared at once, so a wrong secret takes one bcrypt's time however many there are.
   */
  async verify(
    owner: string,
    presented: string,
    hashes: string | readonly string[],
    source?: string,
  ): Promise<boolean> {
    const candidates = typeof hashes === 'string' ? [hashes] : hashes;
    const mac = this.mac(presented);
    if (this.remembered(owner, candidates, mac)) {
      this.lookups.hit();
      return true;
    }
    this.lookups.miss();
    await this.charge(source);
    const results = await Promise.all(
      candidates.map((hash) => this.bcrypt.compare(presented, hash)),
    );
    const matched = candidates.find((_, index) => results[index]);
    if (matched === undefined) return false;
    this.remember(owner, { hash: matched, mac });
    return true;
  }

  /** Spends the same bcrypt work as a real check, so an unknown owner is not told apart by time. */
  async verifyNothing(presented: string, source?: string): Promise<false> {
    await this.charge(source);
    await this.bcrypt.compare(presented, await this.dummy());
    return false;
  }

  forget(owner: string): void {
    this.verified.delete(owner);
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.bcrypt.hash(
      randomBytes(32).toString('base64url'),
      this.config.bcryptCost,
    );
    return this.dummyHash;
  }

  private async charge(source: string | undefined): Promise<void> {
    if (source !== undefined) await this.budget.spend(source);
  }

  private mac(presented: string): Buffer {
    return createHmac('sha256', this.macKey).update(presented).digest();
  }

  /** True only for a remembered match: a miss, right or wrong, goes on to bcrypt. */
  private remembered(owner: string, hashes: readonly string[], mac: Buffer): boolean {
    const entries = this.verified.get(owner) ?? [];
    return entries.some((entry) => hashes.includes(entry.hash) && timingSafeEqual(entry.mac, mac));
  }

  private remember(owner: string, entry: VerifiedSecret): void {
    const kept = (this.verified.get(owner) ?? []).filter((old) => old.hash !== entry.hash);
    this.verified.delete(owner);
    this.verified.set(owner, [entry, ...kept].slice(0, MAX_REMEMBERED_PER_OWNER));
    if (this.verified.size > MAX_REMEMBERED) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
  }
}

/** SHA-256, base64url: for high-entropy tokens stored by digest (registration access tokens). */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** Constant-time equality for two strings of possibly different length. */
export function constantTimeEquals(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}
