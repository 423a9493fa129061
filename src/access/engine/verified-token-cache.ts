import { JWTPayload } from 'jose';

interface Entry {
  payload: JWTPayload;
  expiresAtMs: number;
}

/**
 * Tokens whose signature already verified, so a gateway's repeated token costs a Map lookup
 * instead of a signature check. Bounded, and an entry is never used past the token's `exp`.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = 10_000) {}

  get(token: string, nowMs: number): JWTPayload | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.payload;
  }

  set(token: string, payload: JWTPayload): void {
    if (typeof payload.exp !== 'number') return;
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, { payload, expiresAtMs: payload.exp * 1000 });
  }

  clear(): void {
    this.entries.clear();
  }
}
