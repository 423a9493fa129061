import { expect } from 'expect';
import { describe, it } from 'node:test';
import { DPOP_IAT_WINDOW_S } from './dpop-proof';
import { DpopReplayMemory } from './dpop-replay-memory';

const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
const OTHER = 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2';

describe(DpopReplayMemory.name, () => {
  it('accepts a jti once per key, until iat plus the window', () => {
    const sut = new DpopReplayMemory();
    expect(sut.firstUse(JKT, 'a', 1000, 1000)).toBe(true);
    expect(sut.firstUse(JKT, 'a', 1000, 1000)).toBe(false);
    expect(sut.firstUse(JKT, 'a', 1000, 1000 + DPOP_IAT_WINDOW_S)).toBe(false);
    expect(sut.firstUse(OTHER, 'a', 1000, 1000)).toBe(true);
    expect(sut.firstUse(JKT, 'b', 1000, 1000)).toBe(true);
    // Past iat + window the proof is too old for the iat check: the pair is no longer needed.
    expect(sut.firstUse(JKT, 'a', 1000, 1001 + DPOP_IAT_WINDOW_S)).toBe(true);
  });

  it('forgets expired pairs as time passes', () => {
    const sut = new DpopReplayMemory();
    for (let i = 0; i < 100; i++) sut.firstUse(JKT, `j${i}`, 1000, 1000);
    expect(sut.size).toBe(100);
    sut.firstUse(JKT, 'later', 2000, 2000);
    expect(sut.size).toBe(1);
  });

  it('refuses a new proof when full of live ones (fails closed), and takes one once room frees', () => {
    const sut = new DpopReplayMemory(3);
    for (const jti of ['a', 'b', 'c']) expect(sut.firstUse(JKT, jti, 1000, 1000)).toBe(true);
    expect(sut.firstUse(JKT, 'd', 1000, 1000)).toBe(false);
    expect(sut.firstUse(JKT, 'a', 1000, 1000)).toBe(false);
    expect(sut.firstUse(JKT, 'd', 1100, 1100)).toBe(true);
    expect(sut.size).toBe(1);
  });
});
