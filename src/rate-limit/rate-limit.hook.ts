import { Injectable } from '@nestjs/common';
import {
  FastifyReply,
  FastifyRequest,
  preValidationAsyncHookHandler,
  preValidationHookHandler,
  RouteOptions,
} from 'fastify';
import { sendTooManyPage, sendUnavailablePage } from '../authorization/page-response';
import { sendError } from '../common/all-exceptions.filter';
import {
  RateLimitUnavailableError,
  TOO_MANY_REQUESTS,
  TooManyRequestsError,
} from './rate-limit.errors';
import { RateLimitStoreUnavailableError } from './rate-limit.store';
import { RateLimiter } from './rate-limiter.service';

interface LimitedRoute {
  /** A page a person sees: answer with HTML rather than an RFC 6749 §5.2 error. */
  readonly page: boolean;
}

/**
 * The POST routes the rate limits cover, keyed on the path so that an endpoint covers itself
 * as soon as its controller exists.
 */
export const LIMITED_ROUTES: ReadonlyMap<string, LimitedRoute> = new Map([
  ['/token', { page: false }],
  ['/introspect', { page: false }],
  ['/revoke', { page: false }],
  ['/register', { page: false }],
  ['/login', { page: true }],
]);

/**
 * Puts the rate limit in front of each limited route as a Fastify preValidation hook (the
 * body is parsed, nothing else has run): other routes carry no cost at all.
 */
@Injectable()
export class RateLimitHook {
  constructor(private readonly limiter: RateLimiter) {}

  /** Fastify `onRoute`: adds the hook when `route` is one of LIMITED_ROUTES. */
  attach(route: RouteOptions): void {
    const limited = route.method === 'POST' ? LIMITED_ROUTES.get(route.url) : undefined;
    if (limited === undefined) return;
    const existing = route.preValidation;
    const others: preValidationHookHandler[] =
      existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
    route.preValidation = [this.hook(limited), ...others];
  }

  private hook(limited: LimitedRoute): preValidationAsyncHookHandler {
    return async (request, reply) => {
      let wait: number;
      try {
        wait = await this.limiter.consume(request.ip);
      } catch (error) {
        if (!(error instanceof RateLimitStoreUnavailableError)) throw error;
        return limited.page
          ? sendUnavailablePage(reply)
          : refuse(request, reply, new RateLimitUnavailableError());
      }
      if (wait === 0) return;
      return limited.page
        ? sendTooManyPage(reply, wait, 'sign-in requests')
        : refuse(request, reply, new TooManyRequestsError(wait, TOO_MANY_REQUESTS));
    };
  }
}

function refuse(request: FastifyRequest, reply: FastifyReply, error: Error): FastifyReply {
  sendError(request, reply, error);
  return reply;
}
