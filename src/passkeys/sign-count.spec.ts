import { expect } from 'expect';
import { describe, it } from 'node:test';
import { signCountRegressed } from './sign-count';

describe(signCountRegressed.name, () => {
  it('accepts a counter that grew', () => {
    expect(signCountRegressed(4, 5)).toBe(false);
    expect(signCountRegressed(0, 1)).toBe(false);
  });

  it('accepts an authenticator that does not count (0 both times)', () => {
    expect(signCountRegressed(0, 0)).toBe(false);
  });

  it('refuses a counter that stayed or went back: a clone or a replay', () => {
    expect(signCountRegressed(5, 5)).toBe(true);
    expect(signCountRegressed(5, 4)).toBe(true);
    expect(signCountRegressed(5, 0)).toBe(true);
  });
});
