import { Injectable } from '@nestjs/common';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { BcryptPool } from './bcrypt-pool';

interface VerifiedSecret {
  /** The stored hash the secret was verified against: a rotation elsewhere changes it. */
  hash: string;
  /** HMAC of the presented secret under a per-process key; never the secret itself. */
  mac: Buffer;
}

const MAX_REMEMBERED = 10_000;

/**
 * Client secrets at rest are bcrypt hashes (run async on libuv's thread pool, see BcryptPool). A positive
 * verification is remembered in memory, keyed by the owner, as an HMAC of the presented secret
 * bound to the stored hash, so a client that keeps presenting the same valid secret costs one
 * HMAC instead of one bcrypt. `forget` drops it on rotation, disable and delete.
 */
@Injectable()
export class SecretHasher {
  private readonly macKey = randomBytes(32);
  private readonly verified = new Map<string, VerifiedSecret>();
  private dummyHash?: Promise<string>;
  private readonly bcrypt = new BcryptPool();

  constructor(private readonly config: AppConfig) {}

  hash(secret: string): Promise<string> {
    return this.bcrypt.hash(secret, this.config.bcryptCost);
  }

  /** bcrypt comparison without memory: for passwords, which people type rather than replay. */
  compare(presented: string, hash: string): Promise<boolean> {
    return this.bcrypt.compare(presented, hash);
  }

  /** Compares `presented` with `hash`; `owner` scopes the memory of a positive answer. */
  async verify(owner: string, presented: string, hash: string): Promise<boolean> {
    const mac = this.mac(presented);
    const remembered = this.verified.get(owner);
    if (remembered && remembered.hash === hash) {
      return timingSafeEqual(remembered.mac, mac);
    }
    const matches = await this.bcrypt.compare(presented, hash);
    if (matches) this.remember(owner, { hash, mac });
    return matches;
  }

  /** Spends the same bcrypt work as a real check, so an unknown owner is not told apart by time. */
  async verifyNothing(presented: string): Promise<false> {
    this.dummyHash ??= this.hash(randomBytes(32).toString('base64url'));
    await this.bcrypt.compare(presented, await this.dummyHash);
    return false;
  }

  forget(owner: string): void {
    this.verified.delete(owner);
  }

  private mac(presented: string): Buffer {
    return createHmac('sha256', this.macKey).update(presented).digest();
  }

  private remember(owner: string, entry: VerifiedSecret): void {
    this.verified.delete(owner);
    this.verified.set(owner, entry);
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
