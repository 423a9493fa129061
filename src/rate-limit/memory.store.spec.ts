import { expect } from 'expect';
import { beforeEach, describe, it } from 'node:test';
import { TestClock } from '../../test/support/clock';
import { MemoryStore } from './memory.store';

const T0 = 1_700_000_000_000;

describe(MemoryStore.name, () => {
  let clock: TestClock;
  let sut: MemoryStore;

  beforeEach(() => {
    clock = new TestClock(T0);
    sut = new MemoryStore(3, clock);
  });

  it('counts hits in a fixed window that starts with the first hit', async () => {
    expect(await sut.increment('a', 1000)).toEqual({ count: 1, resetAt: T0 + 1000 });
    clock.advance(400);
    expect(await sut.increment('a', 1000)).toEqual({ count: 2, resetAt: T0 + 1000 });
  });

  it('starts a new window once the old one has ended', async () => {
    await sut.increment('a', 1000);
    await sut.increment('a', 1000);
    clock.advance(1000);
    expect(await sut.increment('a', 1000)).toEqual({ count: 1, resetAt: T0 + 2000 });
  });

  it('with renew, moves the expiry on every hit and keeps counting', async () => {
    await sut.increment('a', 1000, true);
    clock.advance(900);
    expect(await sut.increment('a', 1000, true)).toEqual({ count: 2, resetAt: T0 + 1900 });
    clock.advance(900);
    expect(await sut.increment('a', 1000, true)).toEqual({ count: 3, resetAt: T0 + 2800 });
  });

  it('keeps keys apart', async () => {
    await sut.increment('a', 1000);
    expect(await sut.increment('b', 1000)).toEqual({ count: 1, resetAt: T0 + 1000 });
  });

  it('get answers the live counter and nothing once it expired or for an unknown key', async () => {
    await sut.increment('a', 1000);
    expect(await sut.get('a')).toEqual({ count: 1, resetAt: T0 + 1000 });
    expect(await sut.get('unknown')).toBeUndefined();
    clock.advance(1000);
    expect(await sut.get('a')).toBeUndefined();
  });

  it('expire moves a live counter’s expiry and leaves missing keys missing', async () => {
    await sut.increment('a', 1000);
    await sut.expire('a', 5000);
    expect(await sut.get('a')).toEqual({ count: 1, resetAt: T0 + 5000 });
    await sut.expire('missing', 5000);
    expect(await sut.get('missing')).toBeUndefined();
  });

  it('delete forgets a counter', async () => {
    await sut.increment('a', 1000);
    await sut.delete('a');
    expect(await sut.get('a')).toBeUndefined();
    expect(await sut.increment('a', 1000)).toEqual({ count: 1, resetAt: T0 + 1000 });
  });

  it('stays bounded: past the limit the counter whose window started first goes', async () => {
    await sut.increment('a', 10_000);
    clock.advance(1);
    await sut.increment('b', 10_000);
    clock.advance(1);
    await sut.increment('c', 10_000);
    await sut.increment('a', 10_000); // a hit does not reorder: a's window still started first
    await sut.increment('d', 10_000);
    expect(sut.size).toBe(3);
    expect(await sut.get('a')).toBeUndefined();
    expect(await sut.get('b')).toEqual({ count: 1, resetAt: T0 + 1 + 10_000 });
    expect(await sut.get('d')).toEqual({ count: 1, resetAt: T0 + 2 + 10_000 });
  });

  it('a new window moves its key to the back of the eviction order', async () => {
    await sut.increment('a', 1000);
    await sut.increment('b', 5000);
    await sut.increment('c', 5000);
    clock.advance(1000);
    await sut.increment('a', 1000); // a's new window
    await sut.increment('d', 5000);
    expect(await sut.get('a')).toEqual({ count: 1, resetAt: T0 + 2000 });
    expect(await sut.get('b')).toBeUndefined();
  });

  it('close forgets everything', async () => {
    await sut.increment('a', 1000);
    await sut.close();
    expect(sut.size).toBe(0);
  });
});
