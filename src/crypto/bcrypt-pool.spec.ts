import { expect } from 'expect';
import { describe, it } from 'node:test';
import { BcryptPool } from './bcrypt-pool';

describe(BcryptPool.name, () => {
  it('leaves a thread-pool thread free: limit is pool size - 1, at least 1', () => {
    const saved = process.env.UV_THREADPOOL_SIZE;
    try {
      delete process.env.UV_THREADPOOL_SIZE;
      expect(new BcryptPool().limit).toBe(3);
      process.env.UV_THREADPOOL_SIZE = '8';
      expect(new BcryptPool().limit).toBe(7);
      process.env.UV_THREADPOOL_SIZE = '1';
      expect(new BcryptPool().limit).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.UV_THREADPOOL_SIZE;
      else process.env.UV_THREADPOOL_SIZE = saved;
    }
  });

  it('runs at most `limit` jobs at once and all of them in the end', async () => {
    const sut = new BcryptPool(2);
    let inFlight = 0;
    let most = 0;
    const probe = sut as unknown as { run: <T>(job: () => Promise<T>) => Promise<T> };
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        probe.run(async () => {
          inFlight += 1;
          most = Math.max(most, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 5));
          inFlight -= 1;
          return i;
        }),
      ),
    );
    expect(most).toBe(2);
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('hashes and compares with bcrypt', async () => {
    const sut = new BcryptPool(1);
    const hash = await sut.hash('secret', 4);
    expect(await sut.compare('secret', hash)).toBe(true);
    expect(await sut.compare('other', hash)).toBe(false);
  });

  it('frees its place when a job fails', async () => {
    const sut = new BcryptPool(1);
    const probe = sut as unknown as { run: <T>(job: () => Promise<T>) => Promise<T> };
    await expect(probe.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await probe.run(async () => 'next')).toBe('next');
  });
});
