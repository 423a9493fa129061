import { errorClass } from '../common/errors';
import { TemporarilyUnavailableError } from '../common/oauth-error';
import { RateLimitStoreUnavailableError } from './rate-limit.store';

/** What every request-rate 429 says. */
export const TOO_MANY_REQUESTS = 'too many requests; retry after the time in Retry-After';

/**
 * 429 (RFC 6585 §4) with Retry-After (RFC 9110 §10.2.3). RFC 6749 §5.2 defines no code for it
 * and `temporarily_unavailable` (§4.1.2.1) means the server is overloaded, which is 503 and
 * not the client's doing, so this uses the extension code `too_many_requests` (RFC 6749 §8.5
 * allows extension codes; it is the code Auth0 and others send with 429).
 */
export class TooManyRequestsError extends errorClass('too_many_requests', 429) {
  constructor(
    readonly retryAfterSeconds: number,
    description: string,
  ) {
    super(description, undefined, { headers: { 'retry-after': String(retryAfterSeconds) } });
  }
}

/** The counters cannot be read: refuse rather than allow (fail closed). */
export class RateLimitUnavailableError extends TemporarilyUnavailableError {
  constructor() {
    super('the service is temporarily unavailable', 'rate-limit store unavailable', {
      headers: { 'retry-after': '1' },
    });
  }
}

/** `work` on the rate-limit store; a store that cannot answer becomes a 503 (fail closed). */
export async function orUnavailable<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw error instanceof RateLimitStoreUnavailableError ? new RateLimitUnavailableError() : error;
  }
}
