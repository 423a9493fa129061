import { Injectable } from '@nestjs/common';
import {
  FastifyReply,
  FastifyRequest,
  preValidationAsyncHookHandler,
  preValidationHookHandler,
  RouteOptions,
} from 'fastify';
import { sendError } from '../common/all-exceptions.filter';
import {
  RateLimitUnavailableError,
  TOO_MANY_REQUESTS,
  TooManyRequestsError,
} from './rate-limit.errors';
import { RateLimitStoreUnavailableError } from './rate-limit.store';
import { RateLimiter } from './rate-limiter.service';

/**
 * How a route that a person sees answers a refusal: with a page rather than an RFC 6749 §5.2
 * error. The module that owns the route renders it (`authorization` for /login); rate limits
 * render nothing.
 */
export interface RefusalPage {
  /** 429 with Retry-After: the sender must wait `waitSeconds`. */
  tooMany(reply: FastifyReply, waitSeconds: number): FastifyReply;
  /** 503: the counters cannot be read (fail closed). */
  unavailable(reply: FastifyReply): FastifyReply;
}

/**
 * The POST routes the rate limits cover, keyed on the path so that an endpoint covers itself
 * as soon as its controller exists.
 */
export const LIMITED_ROUTES: ReadonlySet<string> = new Set([
  '/token',
  '/introspect',
  '/revoke',
  '/par',
  '/register',
  '/login',
  '/login/link',
  '/login/second-factor',
  // Passkey ceremonies (docs/passkeys.md): each options call stores a challenge.
  '/login/passkey/options',
  '/login/passkey',
  '/login/second-factor/passkey/options',
  '/login/second-factor/passkey',
  // The first admin person's setup (docs/console.md): a token guess costs a request.
  '/console/setup',
]);

/**
 * Puts the rate limit in front of each limited route as a Fastify preValidation hook (the
 * body is parsed, nothing else has run): other routes carry no cost at all.
 */
@Injectable()
export class RateLimitHook {
  /** Refusal pages by path; the other limited routes answer with an error body. */
  private readonly pages = new Map<string, RefusalPage>();

  constructor(private readonly limiter: RateLimiter) {}

  /**
   * The module that owns `path` (a person's page) says how its refusals look. Called before
   * the application listens (onModuleInit).
   */
  answerWithPage(path: string, page: RefusalPage): void {
    this.pages.set(path, page);
  }

  /** Fastify `onRoute`: adds the hook when `route` is one of LIMITED_ROUTES. */
  attach(route: RouteOptions): void {
    if (route.method !== 'POST' || !LIMITED_ROUTES.has(route.url)) return;
    const existing = route.preValidation;
    const others: preValidationHookHandler[] =
      existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
    route.preValidation = [this.hook(route.url), ...others];
  }

  private hook(path: string): preValidationAsyncHookHandler {
    return async (request, reply) => {
      let wait: number;
      try {
        wait = await this.limiter.consume(request.ip);
      } catch (error) {
        if (!(error instanceof RateLimitStoreUnavailableError)) throw error;
        const page = this.pages.get(path);
        return page
          ? page.unavailable(reply)
          : refuse(request, reply, new RateLimitUnavailableError());
      }
      if (wait === 0) return;
      const page = this.pages.get(path);
      return page
        ? page.tooMany(reply, wait)
        : refuse(request, reply, new TooManyRequestsError(wait, TOO_MANY_REQUESTS));
    };
  }
}

function refuse(request: FastifyRequest, reply: FastifyReply, error: Error): FastifyReply {
  sendError(request, reply, error);
  return reply;
}
