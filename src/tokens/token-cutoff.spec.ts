import { expect } from 'expect';
import { describe, it } from 'node:test';
import { firstLiveSecond, issuedBeforeCutoff } from './token-cutoff';

const at = (ms: number) => ({ tokensValidAfter: new Date(ms) });
const none = { tokensValidAfter: null };

describe(issuedBeforeCutoff.name, () => {
  it('a JWT from the cut-off second is dead, whether minted before or after the cut-off in it', () => {
    expect(issuedBeforeCutoff(1000, at(1_000_500))).toBe(true);
    expect(issuedBeforeCutoff(1000, at(1_000_000))).toBe(true);
    expect(issuedBeforeCutoff(999, at(1_000_000))).toBe(true);
  });

  it('a JWT from the second after the cut-off lives', () => {
    expect(issuedBeforeCutoff(1001, at(1_000_500))).toBe(false);
    expect(issuedBeforeCutoff(1001, at(1_000_999))).toBe(false);
  });

  it('a Date is compared to the millisecond; a tie counts as before (fail closed)', () => {
    expect(issuedBeforeCutoff(new Date(1_000_499), at(1_000_500))).toBe(true);
    expect(issuedBeforeCutoff(new Date(1_000_500), at(1_000_500))).toBe(true);
    expect(issuedBeforeCutoff(new Date(1_000_501), at(1_000_500))).toBe(false);
  });

  it('any one of the subjects cuts off; none without a cut-off', () => {
    expect(issuedBeforeCutoff(1000, none, at(1_000_500))).toBe(true);
    expect(issuedBeforeCutoff(1000, none, null, undefined)).toBe(false);
  });
});

describe(firstLiveSecond.name, () => {
  it('is the second after the latest cut-off, or 0 without one', () => {
    expect(firstLiveSecond(at(1_000_500))).toBe(1001);
    expect(firstLiveSecond(at(1_000_000))).toBe(1001);
    expect(firstLiveSecond(at(1_000_500), at(2_000_001), none)).toBe(2001);
    expect(firstLiveSecond(none, null, undefined)).toBe(0);
  });

  it('what it returns outlives every cut-off, and the second before it does not', () => {
    for (const cutoff of [1_000_000, 1_000_001, 1_000_500, 1_000_999]) {
      const second = firstLiveSecond(at(cutoff));
      expect(issuedBeforeCutoff(second, at(cutoff))).toBe(false);
      expect(issuedBeforeCutoff(second - 1, at(cutoff))).toBe(true);
    }
  });
});
