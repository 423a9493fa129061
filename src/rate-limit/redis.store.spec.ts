import { expect } from 'expect';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimitStoreUnavailableError } from './rate-limit.store';
import { KEY_PREFIX, RedisStore } from './redis.store';

/** Redis for these specs: TEST_REDIS_URL, or the local default. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function withKeyPrefix(url: string, prefix: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('keyPrefix', prefix);
  return parsed.toString();
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe(RedisStore.name, () => {
  // A prefix of our own, so parallel runs never share keys, and we delete only ours.
  const prefix = `gatehouse-spec:${randomUUID()}:`;
  let raw: Redis;
  let sut: RedisStore;

  before(() => {
    raw = new Redis(REDIS_URL);
    sut = new RedisStore(withKeyPrefix(REDIS_URL, prefix));
  });
  after(async () => {
    await sut.close();
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(...keys);
    await raw.quit();
  });

  const ttlOf = (key: string) => raw.pttl(`${prefix}${KEY_PREFIX}${key}`);

  it('counts hits in a fixed window: the first sets the expiry, later ones keep it', async () => {
    const first = await sut.increment('fixed', 10_000);
    expect(first.count).toBe(1);
    expect(first.resetAt - Date.now()).toBeGreaterThan(9_000);
    await sleep(50);
    const second = await sut.increment('fixed', 10_000);
    expect(second.count).toBe(2);
    expect(await ttlOf('fixed')).toBeLessThanOrEqual(10_000 - 50);
    expect(Math.abs(second.resetAt - first.resetAt)).toBeLessThan(100);
  });

  it('starts a new window once the key expired', async () => {
    await sut.increment('short', 100);
    await sut.increment('short', 100);
    await sleep(150);
    expect((await sut.increment('short', 100)).count).toBe(1);
  });

  it('with renew, moves the expiry on every hit', async () => {
    await sut.increment('renewed', 1_500, true);
    await sleep(900);
    expect((await sut.increment('renewed', 1_500, true)).count).toBe(2);
    await sleep(900); // past the first expiry: only the renewal keeps the count
    expect((await sut.increment('renewed', 1_500, true)).count).toBe(3);
  });

  it('counts concurrent hits atomically', async () => {
    const counts = await Promise.all(
      Array.from({ length: 20 }, () => sut.increment('concurrent', 10_000)),
    );
    expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('get answers the counter with its expiry, and undefined for a missing key', async () => {
    await sut.increment('read', 10_000);
    const counter = await sut.get('read');
    expect(counter?.count).toBe(1);
    expect(counter!.resetAt - Date.now()).toBeGreaterThan(9_000);
    expect(await sut.get('never-written')).toBeUndefined();
  });

  it('expire moves the expiry; delete forgets the counter', async () => {
    await sut.increment('moved', 1_000);
    await sut.expire('moved', 60_000);
    expect(await ttlOf('moved')).toBeGreaterThan(59_000);
    await sut.delete('moved');
    expect(await sut.get('moved')).toBeUndefined();
  });

  it('writes every key under the URL keyPrefix and its own prefix', async () => {
    await sut.increment('where', 10_000);
    expect(await raw.get(`${prefix}${KEY_PREFIX}where`)).toBe('1');
  });

  it('fails closed and fast when Redis cannot be reached', async () => {
    const unreachable = new RedisStore(`redis://127.0.0.1:${await closedPort()}`);
    try {
      const started = Date.now();
      await expect(unreachable.increment('x', 1000)).rejects.toBeInstanceOf(
        RateLimitStoreUnavailableError,
      );
      await expect(unreachable.get('x')).rejects.toBeInstanceOf(RateLimitStoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await unreachable.close();
    }
  });
});
