import { Inject, Injectable, Optional } from '@nestjs/common';
import { Metrics } from '../metrics/metrics';
import { BcryptBudget } from '../common/bcrypt-budget';
import { AppConfig } from '../config/app-config';
import { orUnavailable, TOO_MANY_REQUESTS, TooManyRequestsError } from './rate-limit.errors';
import { RATE_LIMIT_STORE, RateLimitStore } from './rate-limit.store';
import { secondsToWait } from './rate-limiter.service';
import { addressKey } from './source-address';
import { Clock } from '../common/clock';

/**
 * RATE_LIMIT_BCRYPT_PER_IP bcrypt operations per source address (IPv6 per /64) per
 * RATE_LIMIT_WINDOW, counted before each one runs: sign-ups, password checks, client secrets
 * that are not remembered as verified, and the dummy checks for unknown users and clients.
 * Past the budget the request gets 429 with Retry-After and no bcrypt runs.
 */
@Injectable()
export class SourceBcryptBudget extends BcryptBudget {
  private readonly windowMs: number;
  private readonly perSource: number;

  constructor(
    config: AppConfig,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    private readonly clock: Clock,
    @Optional() private readonly metrics: Metrics = Metrics.off(),
  ) {
    super();
    this.windowMs = config.rateLimits.window * 1000;
    this.perSource = config.rateLimits.bcryptPerIp;
  }

  async spend(source: string): Promise<void> {
    const counter = await orUnavailable(
      this.store.increment(`bcrypt:${addressKey(source)}`, this.windowMs),
    );
    const wait = secondsToWait(counter, this.perSource, this.clock.now());
    if (wait > 0) {
      this.metrics.rateLimitRejected('bcrypt_per_ip');
      throw new TooManyRequestsError(wait, TOO_MANY_REQUESTS);
    }
  }
}
