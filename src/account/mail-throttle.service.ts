import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { orUnavailable } from '../rate-limit/rate-limit.errors';
import { RATE_LIMIT_STORE, RateLimitStore } from '../rate-limit/rate-limit.store';
import { secondsToWait } from '../rate-limit/rate-limiter.service';
import { addressKey } from '../rate-limit/source-address';

/** A typed identifier is cut to this many characters in a counter's key. */
const MAX_KEY_IDENTIFIER = 128;
/** From every source together, an account may be sent this many times MAIL_RATE_PER_ACCOUNT. */
const ACCOUNT_SOURCES = 4;

/**
 * Requests that send mail (password reset, verification links), counted in the rate-limit
 * store before anything is looked up (docs/decisions/0314-mail-rate-limits.md): per source
 * address (IPv6 per /64), per account and source, and per account from every source with a
 * higher ceiling, so one stranger can neither flood a mailbox nor, from one network, stop its
 * owner's own reset. The account is the identifier as typed, lower-cased, whether or not an
 * account has it: the count says nothing of who exists. A store that cannot answer refuses
 * (503, fail closed).
 */
@Injectable()
export class MailThrottle {
  constructor(
    private readonly config: AppConfig,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    private readonly clock: Clock,
  ) {}

  /** Counts one request; the seconds to wait (0: go ahead). */
  async admit(identifier: string, ip: string): Promise<number> {
    const { perAccount, perIp, window } = this.config.mail;
    const account = identifier.trim().toLowerCase().slice(0, MAX_KEY_IDENTIFIER);
    const source = addressKey(ip);
    const windowMs = window * 1000;
    const [fromSource, pair, overall] = await orUnavailable(
      Promise.all([
        this.store.increment(`mail:ip:${source}`, windowMs),
        this.store.increment(`mail:account-ip:${account}|${source}`, windowMs),
        this.store.increment(`mail:account:${account}`, windowMs),
      ]),
    );
    const now = this.clock.now();
    return Math.max(
      secondsToWait(fromSource, perIp, now),
      secondsToWait(pair, perAccount, now),
      secondsToWait(overall, perAccount * ACCOUNT_SOURCES, now),
    );
  }
}
