import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Clock } from '../../common/clock';
import { errorClass } from '../../common/errors';
import { AppConfig } from '../../config/app-config';
import { KeyEncryption } from '../../crypto/key-encryption.service';

/**
 * Seconds one nonce is handed out for. The previous step's nonce stays accepted, so a nonce
 * lives between one and two steps: long enough for a client's next request, short enough that a
 * proof made ahead of time (RFC 9449 §11.2) is soon useless.
 */
export const DPOP_NONCE_STEP_S = 300;

/** 128 bits of HMAC output: unpredictable without the key, 22 characters of base64url. */
const NONCE_BYTES = 16;
const NONCE_SHAPE = new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((NONCE_BYTES * 4) / 3)}}$`);

/** RFC 9449 §8: the proof lacks the current server nonce; the client retries with it. */
export const UseDpopNonceError = errorClass('use_dpop_nonce', 400);

export const USE_DPOP_NONCE_DESCRIPTION =
  'the DPoP proof must carry the nonce of the DPoP-Nonce header';

/**
 * Server-provided DPoP nonces (RFC 9449 §8 at /token, §9 at /userinfo) that need no shared
 * state: a nonce is the HMAC-SHA256 of the current time step under a key derived from the
 * key-encryption key, so every process hands out and accepts the same ones. The current and the
 * previous step's nonce are accepted; a nonce of a later step, or anything else, is not.
 */
@Injectable()
export class DpopNonces {
  /** DPOP_NONCE=required: every DPoP proof must carry a current nonce. */
  readonly required: boolean;
  private readonly key: Buffer;

  constructor(
    config: AppConfig,
    keys: KeyEncryption,
    private readonly clock: Clock,
  ) {
    this.required = config.dpopNonce === 'required';
    this.key = keys.derivedKey('dpop-nonce');
  }

  /** The nonce to hand out now (RFC 9449 §8.1 `DPoP-Nonce`). */
  current(): string {
    return this.nonceOf(this.step());
  }

  /** Whether `nonce` is this step's or the previous step's nonce. */
  accepts(nonce: unknown): boolean {
    // The shape first: timingSafeEqual needs two buffers of one length.
    if (typeof nonce !== 'string' || !NONCE_SHAPE.test(nonce)) return false;
    const step = this.step();
    const given = Buffer.from(nonce);
    return [step, step - 1].some((candidate) =>
      timingSafeEqual(given, Buffer.from(this.nonceOf(candidate))),
    );
  }

  /**
   * RFC 9449 §8, §9: while nonces are required, a proof without an accepted nonce is
   * `use_dpop_nonce` (400 at the token endpoint; a resource passes 401 and its challenge),
   * carrying the nonce to use in `DPoP-Nonce`.
   */
  check(
    nonce: string | undefined,
    refusal: { status?: number; headers?: Record<string, string> } = {},
  ): void {
    if (!this.required || this.accepts(nonce)) return;
    throw new UseDpopNonceError(
      USE_DPOP_NONCE_DESCRIPTION,
      nonce === undefined ? 'no nonce' : 'nonce not current',
      {
        ...(refusal.status ? { status: refusal.status } : {}),
        headers: { ...refusal.headers, 'dpop-nonce': this.current() },
      },
    );
  }

  /** The header every answer of an endpoint that takes DPoP carries while nonces are required. */
  header(): Record<string, string> {
    return this.required ? { 'dpop-nonce': this.current() } : {};
  }

  private step(): number {
    return Math.floor(this.clock.now() / 1000 / DPOP_NONCE_STEP_S);
  }

  private nonceOf(step: number): string {
    return createHmac('sha256', this.key)
      .update(`dpop-nonce:${step}`)
      .digest()
      .subarray(0, NONCE_BYTES)
      .toString('base64url');
  }
}
