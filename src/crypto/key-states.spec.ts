import { expect } from 'expect';
import { describe, it } from 'node:test';
import { keyStateOf } from './key-states';

const at = (iso: string) => new Date(iso);
const now = Date.parse('2026-12-03T12:00:00.000Z');

describe('keyStateOf (docs/key-rotation.md, "Key states")', () => {
  it('is next while signs_from is ahead', () => {
    expect(keyStateOf({ signsFrom: at('2026-12-03T12:02:00Z'), retiredAt: null }, now)).toBe(
      'next',
    );
  });

  it('is current from signs_from until retired_at, which may be ahead', () => {
    expect(keyStateOf({ signsFrom: at('2026-12-01T00:00:00Z'), retiredAt: null }, now)).toBe(
      'current',
    );
    expect(
      keyStateOf(
        { signsFrom: at('2026-12-01T00:00:00Z'), retiredAt: at('2026-12-03T12:02:00Z') },
        now,
      ),
    ).toBe('current');
    expect(keyStateOf({ signsFrom: at('2026-12-03T12:00:00.000Z'), retiredAt: null }, now)).toBe(
      'current',
    );
  });

  it('is retired once retired_at has passed (at that very instant too)', () => {
    expect(
      keyStateOf(
        { signsFrom: at('2026-12-01T00:00:00Z'), retiredAt: at('2026-12-03T12:00:00.000Z') },
        now,
      ),
    ).toBe('retired');
  });
});
