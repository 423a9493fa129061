import { expect } from 'expect';
import { describe, it } from 'node:test';
import {
  attributesProblems,
  canonicalAttributes,
  frozenAttributes,
  NO_ATTRIBUTES,
} from './attributes';

describe('attributes (docs/access.md, Attributes)', () => {
  it('accepts depth 4 and 64 keys; refuses depth 5 and 65 keys', () => {
    expect(attributesProblems({ a: { b: { c: { d: 1 } } } })).toEqual([]);
    expect(attributesProblems({ a: [[[1]]] })).toEqual([]);
    expect(attributesProblems({ a: { b: { c: { d: {} } } } })).toEqual([
      { field: 'attributes', problem: 'must nest at most 4 levels deep' },
    ]);
    const keys = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(attributesProblems(keys(64))).toEqual([]);
    expect(attributesProblems(keys(65))).toEqual([
      { field: 'attributes', problem: 'must have at most 64 keys' },
    ]);
  });

  it('walks no deeper than the limit, however deep the value', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(attributesProblems({ deep })).toEqual([
      { field: 'attributes', problem: 'must nest at most 4 levels deep' },
    ]);
  });

  it('shares one frozen empty object, and freezes the others all the way down', () => {
    expect(frozenAttributes({})).toBe(NO_ATTRIBUTES);
    expect(frozenAttributes(null)).toBe(NO_ATTRIBUTES);
    const kept = frozenAttributes({ tenant: 'acme', tags: ['a'], nested: { x: 1 } });
    expect(Object.isFrozen(kept)).toBe(true);
    expect(Object.isFrozen(kept.tags)).toBe(true);
    expect(Object.isFrozen(kept.nested)).toBe(true);
  });

  it('compares without regard to key order', () => {
    expect(canonicalAttributes({ b: 1, a: { d: 2, c: [3] } })).toBe(
      canonicalAttributes({ a: { c: [3], d: 2 }, b: 1 }),
    );
  });
});
