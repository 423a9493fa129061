import { Injectable, OnModuleInit } from '@nestjs/common';
import { RateLimitHook } from '../rate-limit/rate-limit.hook';
import { sendTooManyPage, sendUnavailablePage } from './page-response';

/**
 * The page a person sees when the request-rate limit refuses POST /login or
 * /login/second-factor: 429 with Retry-After
 * (RFC 6585 §4), or 503 while the counters cannot be read. The rate limit counts; the page is
 * this module's, like the rest of the sign-in pages.
 */
@Injectable()
export class SignInRefusalPage implements OnModuleInit {
  constructor(private readonly hook: RateLimitHook) {}

  onModuleInit(): void {
    // The second step of a sign-in (docs/second-factors.md) is limited like its first.
    for (const path of ['/login', '/login/second-factor']) {
      this.hook.answerWithPage(path, {
        tooMany: (reply, wait) => sendTooManyPage(reply, wait, 'sign-in requests'),
        unavailable: (reply) => sendUnavailablePage(reply),
      });
    }
  }
}
