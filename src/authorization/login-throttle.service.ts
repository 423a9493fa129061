import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { orUnavailable } from '../rate-limit/rate-limit.errors';
import { Counter, RATE_LIMIT_STORE, RateLimitStore } from '../rate-limit/rate-limit.store';
import { addressKey } from '../rate-limit/source-address';
import { Clock } from '../common/clock';

/** A typed username is cut to this many characters in a counter's key. */
const MAX_KEY_USERNAME = 128;

/**
 * Failed password attempts, counted per account and per source address (IPv6 per /64) over a
 * fixed window that starts at the first failure. Past the limit, further attempts are refused without checking
 * the password until the window ends. The counters live in the rate-limit store: this process's
 * memory, or Redis shared by every process when REDIS_URL is set. A store that cannot answer
 * refuses the attempt (503, fail closed).
 */
@Injectable()
export class LoginThrottle {
  constructor(
    private readonly config: AppConfig,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    private readonly clock: Clock,
  ) {}

  /** Seconds to wait before trying again, or 0 when an attempt may go ahead. */
  async retryAfter(username: string, ip: string): Promise<number> {
    const { maxFailuresPerAccount, maxFailuresPerIp } = this.config.loginThrottle;
    const [account, address] = await orUnavailable(
      Promise.all([this.store.get(accountKey(username)), this.store.get(ipKey(ip))]),
    );
    const now = this.clock.now();
    return Math.max(
      blockedFor(account, maxFailuresPerAccount, now),
      blockedFor(address, maxFailuresPerIp, now),
    );
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    const windowMs = this.config.loginThrottle.window * 1000;
    await orUnavailable(
      Promise.all([
        this.store.increment(accountKey(username), windowMs),
        this.store.increment(ipKey(ip), windowMs),
      ]),
    );
  }

  /**
   * A success clears the counter of the account that signed in, and nothing else: the source's
   * counter protects every other account, so signing in to one's own account must not reset it.
   */
  async recordSuccess(username: string): Promise<void> {
    await orUnavailable(this.store.delete(accountKey(username)));
  }
}

function accountKey(username: string): string {
  return `login-failures:account:${username.toLowerCase().slice(0, MAX_KEY_USERNAME)}`;
}

function ipKey(ip: string): string {
  return `login-failures:ip:${addressKey(ip)}`;
}

function blockedFor(counter: Counter | undefined, limit: number, now: number): number {
  if (!counter || counter.count < limit) return 0;
  return Math.max(1, Math.ceil((counter.resetAt - now) / 1000));
}
