import { expect } from 'expect';
import { beforeEach, describe, it } from 'node:test';
import { ReadThroughCache } from './read-through-cache';

const T0 = 1_700_000_000_000;

describe(ReadThroughCache.name, () => {
  let now: number;
  let loads: string[];
  let values: Map<string, string | null>;

  const cache = (options: { maxSize?: number; keep?: (value: string | null) => boolean } = {}) =>
    new ReadThroughCache<string, string | null>({
      load: (key) => {
        loads.push(key);
        return Promise.resolve(values.get(key) ?? null);
      },
      ttlMs: 1000,
      maxSize: options.maxSize ?? 10,
      keep: options.keep,
      now: () => now,
    });

  beforeEach(() => {
    now = T0;
    loads = [];
    values = new Map([
      ['a', 'A'],
      ['b', 'B'],
      ['c', 'C'],
    ]);
  });

  it('answers a hit from memory until the TTL passes, then loads again', async () => {
    const sut = cache();

    expect(await sut.get('a')).toBe('A');
    values.set('a', 'A2');
    now += 999;
    expect(await sut.get('a')).toBe('A');
    now += 1;
    expect(await sut.get('a')).toBe('A2');
    expect(loads).toEqual(['a', 'a']);
  });

  it('lets concurrent misses for one key share one load', async () => {
    const sut = cache();

    const answers = await Promise.all([sut.get('a'), sut.get('a'), sut.get('b')]);

    expect(answers).toEqual(['A', 'A', 'B']);
    expect(loads).toEqual(['a', 'b']);
  });

  it('makes room by evicting the oldest entry at the size limit', async () => {
    const sut = cache({ maxSize: 2 });

    await sut.get('a');
    await sut.get('b');
    await sut.get('c');
    await sut.get('b');
    await sut.get('a');

    expect(loads).toEqual(['a', 'b', 'c', 'a']);
  });

  it('evicts by key and clears everything', async () => {
    const sut = cache();
    await sut.get('a');
    await sut.get('b');

    sut.evict('a');
    await sut.get('a');
    await sut.get('b');
    sut.clear();
    await sut.get('b');

    expect(loads).toEqual(['a', 'b', 'a', 'b']);
  });

  it('caches every value, misses included, unless `keep` says otherwise', async () => {
    const everything = cache();
    await everything.get('unknown');
    await everything.get('unknown');
    expect(loads).toEqual(['unknown']);

    loads = [];
    const hitsOnly = cache({ keep: (value) => value !== null });
    await hitsOnly.get('unknown');
    await hitsOnly.get('unknown');
    expect(loads).toEqual(['unknown', 'unknown']);
  });

  it('does not cache a failed load', async () => {
    let fail = true;
    const sut = new ReadThroughCache<string, string>({
      load: (key) => (fail ? Promise.reject(new Error('down')) : Promise.resolve(key)),
      ttlMs: 1000,
      maxSize: 10,
      now: () => now,
    });

    await expect(sut.get('a')).rejects.toThrow('down');
    fail = false;
    expect(await sut.get('a')).toBe('a');
  });
});
