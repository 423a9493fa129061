import { expect } from 'expect';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { KeyEncryption } from '../../crypto/key-encryption.service';
import { DPOP_NONCE_STEP_S, DpopNonces } from './dpop-nonce';

class ManualClock extends Clock {
  constructor(public time: number) {
    super();
  }
  now(): number {
    return this.time;
  }
}

const STEP_MS = DPOP_NONCE_STEP_S * 1000;

function nonces(key: Buffer, clock: Clock, mode: 'off' | 'required' = 'required'): DpopNonces {
  const config = {
    dpopNonce: mode,
    keys: { encryptionKey: key },
    database: { dataDir: ':memory:' },
  } as unknown as AppConfig;
  return new DpopNonces(config, new KeyEncryption(config), clock);
}

describe(DpopNonces.name, () => {
  const key = randomBytes(32);

  it('hands out 22 base64url characters, the same in every process holding the key', () => {
    const clock = new ManualClock(10 * STEP_MS);
    const nonce = nonces(key, clock).current();
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(nonces(key, clock).current()).toBe(nonce);
    expect(nonces(randomBytes(32), clock).current()).not.toBe(nonce);
  });

  it('accepts the current and the previous step, not the next one or an older one', () => {
    const clock = new ManualClock(10 * STEP_MS);
    const sut = nonces(key, clock);
    const issued = sut.current();
    expect(sut.accepts(issued)).toBe(true);
    clock.time += STEP_MS;
    expect(sut.current()).not.toBe(issued);
    expect(sut.accepts(issued)).toBe(true);
    clock.time += STEP_MS;
    expect(sut.accepts(issued)).toBe(false);

    const future = new ManualClock(clock.time + STEP_MS);
    expect(sut.accepts(nonces(key, future).current())).toBe(false);
  });

  it('refuses what is not one of its nonces, whatever its type or length', () => {
    const sut = nonces(key, new ManualClock(10 * STEP_MS));
    const nonce = sut.current();
    for (const value of [
      undefined,
      null,
      42,
      [nonce],
      { nonce },
      '',
      'x'.repeat(22),
      `${nonce}x`,
      nonce.slice(1),
      'é'.repeat(22),
      '\u0000'.repeat(22),
    ]) {
      expect(sut.accepts(value)).toBe(false);
    }
  });

  it('sends DPoP-Nonce only when nonces are required', () => {
    const clock = new ManualClock(10 * STEP_MS);
    expect(nonces(key, clock, 'off').header()).toEqual({});
    expect(nonces(key, clock).header()).toEqual({ 'dpop-nonce': nonces(key, clock).current() });
  });
});
