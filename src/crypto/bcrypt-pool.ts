import * as bcrypt from 'bcrypt';
import { performance } from 'node:perf_hooks';

/**
 * bcrypt runs on libuv's thread pool, which also signs tokens (node:crypto) and reads files.
 * Left alone, a burst of logins takes every thread and token issuance waits behind 250 ms
 * hashes. At most pool size - 1 bcrypt jobs run at once, so one thread is always free for the
 * rest; the others queue here, in order.
 */
export class BcryptPool {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  /** `waited` hears the seconds each queued job waited for a thread (the metrics). */
  constructor(
    readonly limit = Math.max(1, (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 1),
    private readonly waited?: (seconds: number) => void,
  ) {}

  /** Jobs waiting for a thread now. */
  get queued(): number {
    return this.waiting.length;
  }

  hash(secret: string, cost: number): Promise<string> {
    return this.run(() => bcrypt.hash(secret, cost));
  }

  compare(presented: string, hash: string): Promise<boolean> {
    return this.run(() => bcrypt.compare(presented, hash));
  }

  private async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      const queuedAt = performance.now();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.waited?.((performance.now() - queuedAt) / 1000);
    }
    this.running += 1;
    try {
      return await job();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }
}
