import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { orUnavailable } from '../../rate-limit/rate-limit.errors';
import { RATE_LIMIT_STORE, RateLimitStore } from '../../rate-limit/rate-limit.store';

/**
 * Wrong second-factor codes, counted per account in the rate-limit store with the login
 * throttle's limit and window (LOGIN_MAX_FAILURES_PER_ACCOUNT, LOGIN_FAILURE_WINDOW): a
 * six-digit code allows no more guesses than a password. Only someone who already passed the
 * password can spend them, so the lock does not give strangers a cheap lockout. A store that
 * cannot answer refuses the attempt (503, fail closed).
 */
@Injectable()
export class SecondFactorThrottle {
  constructor(
    private readonly config: AppConfig,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    private readonly clock: Clock,
  ) {}

  /** Seconds to wait before trying again, or 0. */
  async retryAfter(userId: string): Promise<number> {
    const counter = await orUnavailable(this.store.get(key(userId)));
    if (!counter || counter.count < this.config.loginThrottle.maxFailuresPerAccount) return 0;
    return Math.max(1, Math.ceil((counter.resetAt - this.clock.now()) / 1000));
  }

  async recordFailure(userId: string): Promise<void> {
    await orUnavailable(this.store.increment(key(userId), this.config.loginThrottle.window * 1000));
  }

  async recordSuccess(userId: string): Promise<void> {
    await orUnavailable(this.store.delete(key(userId)));
  }
}

function key(userId: string): string {
  return `second-factor-failures:account:${userId}`;
}
