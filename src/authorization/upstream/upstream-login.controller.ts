import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorShape } from '../../common/error-response';
import { AppConfig } from '../../config/app-config';
import { auditContext } from '../../events/audit-context';
import { RateLimitStoreUnavailableError } from '../../rate-limit/rate-limit.store';
import { RateLimiter } from '../../rate-limit/rate-limiter.service';
import { csrfToken, csrfValid } from '../csrf';
import { formField, internalPath } from '../form';
import {
  PENDING_SIGN_IN_COOKIE,
  PENDING_SIGN_IN_TTL_SECONDS,
  PendingSignIns,
} from '../second-factors/pending-sign-ins.service';
import { seeOther, sendPage, sendTooManyPage, sendUnavailablePage } from '../page-response';
import { SESSION_COOKIE, SessionsService } from '../sessions.service';
import { linkAccountPage } from '../views/upstream-pages';
import { UpstreamAccountLink } from './upstream-account-link.service';
import { UPSTREAM_PENDING_TTL_SECONDS } from './upstream-pending.service';
import { sendUpstreamRefusal } from './upstream-refusals';
import { CallbackQuery, UpstreamFinish, UpstreamSignIn } from './upstream-sign-in.service';

/** Holds the random value that finds a pending upstream sign-in (its SHA-256 is stored). */
export const UPSTREAM_COOKIE = 'gatehouse_upstream';
/** Holds the random value that finds a link offer. */
export const LINK_COOKIE = 'gatehouse_upstream_link';

/** The callback parameters of RFC 6749 §4.1.2 / §4.1.2.1 and RFC 9207; others are ignored. */
const CALLBACK_PARAMETERS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri'];
const MAX_PARAMETER_LENGTH = 2048;

/**
 * Signing in with an upstream OpenID Provider (docs/identity-providers.md): the start, the
 * callback, and the page that links an existing account by its password.
 */
@ApiExcludeController()
@ErrorShape('page')
@Controller('login')
export class UpstreamLoginController {
  constructor(
    private readonly upstream: UpstreamSignIn,
    private readonly accountLink: UpstreamAccountLink,
    private readonly sessions: SessionsService,
    private readonly pendingSignIns: PendingSignIns,
    private readonly limiter: RateLimiter,
    private readonly config: AppConfig,
  ) {}

  @Get('upstream/:alias')
  async start(
    @Param('alias') alias: string,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!(await this.charge(request, reply))) return;
    const audit = auditContext(request, { type: 'anonymous' });
    const started = await this.upstream.start(alias, formField(query, 'interaction'), audit);
    if (started.kind === 'refused') return sendUpstreamRefusal(reply, started.reason);
    void reply.setCookie(UPSTREAM_COOKIE, started.cookie, this.cookie('/login/upstream'));
    void reply
      .status(302)
      .headers({ location: started.location, 'cache-control': 'no-store' })
      .send();
  }

  @Get('upstream/:alias/callback')
  async callback(
    @Param('alias') alias: string,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!(await this.charge(request, reply))) return;
    const audit = auditContext(request, { type: 'anonymous' });
    // Used up by this answer, whatever it is.
    void reply.clearCookie(UPSTREAM_COOKIE, this.cookie('/login/upstream'));
    const parameters = callbackParameters(query);
    if (!parameters) {
      await this.upstream.failed(audit, undefined, 'invalid_callback');
      return sendUpstreamRefusal(reply, 'invalid_callback');
    }
    const cookie = request.cookies[UPSTREAM_COOKIE];
    const finished = await this.upstream.finish(alias, cookie, parameters, audit, request.ip);
    this.answer(reply, finished);
  }

  @Get('link')
  async linkPage(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const offer = await this.accountLink.view(request.cookies[LINK_COOKIE]);
    if (!offer) return sendUpstreamRefusal(reply, 'no_pending_sign_in');
    const wait = Number(formField(query, 'wait'));
    sendPage(
      reply,
      200,
      linkAccountPage({
        csrf: csrfToken(request, reply, this.secure),
        ...offer,
        error: formField(query, 'error'),
        waitSeconds: Number.isFinite(wait) ? wait : undefined,
      }),
    );
  }

  @Post('link')
  async link(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = (request.body ?? {}) as Record<string, unknown>;
    const outcome = await this.accountLink.link({
      offerCookie: request.cookies[LINK_COOKIE],
      password: formField(form, 'password'),
      csrfValid: csrfValid(request, formField(form, 'csrf_token')),
      ip: request.ip,
      audit: auditContext(request, { type: 'anonymous' }),
    });
    if (outcome.kind === 'retry') {
      const wait = outcome.wait === undefined ? '' : `&wait=${outcome.wait}`;
      return seeOther(reply, `/login/link?error=${outcome.error}${wait}`);
    }
    if (outcome.kind !== 'link') void reply.clearCookie(LINK_COOKIE, this.cookie('/login/link'));
    this.answer(reply, outcome);
  }

  private answer(reply: FastifyReply, outcome: UpstreamFinish): void {
    if (outcome.kind === 'refused') return sendUpstreamRefusal(reply, outcome.reason);
    if (outcome.kind === 'link') {
      void reply.setCookie(LINK_COOKIE, outcome.offerCookie, this.cookie('/login/link'));
      return seeOther(reply, '/login/link');
    }
    if (outcome.kind === 'second-factor') {
      void reply.setCookie(
        PENDING_SIGN_IN_COOKIE,
        outcome.pendingCookie,
        this.pendingSignIns.cookieOptions(PENDING_SIGN_IN_TTL_SECONDS),
      );
      return seeOther(reply, '/login/second-factor');
    }
    void reply.setCookie(
      SESSION_COOKIE,
      outcome.cookie,
      this.sessions.cookieOptions(this.config.sessions.lifetime),
    );
    const interaction = outcome.interaction ?? undefined;
    seeOther(
      reply,
      interaction ? internalPath('/authorize/continue', { interaction }) : '/account',
    );
  }

  /**
   * The request-rate limit of the sender's network (docs/security/guessing.md): each start and
   * callback may cost an outbound request to the upstream. False once a refusal page is sent.
   */
  private async charge(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    let wait: number;
    try {
      wait = await this.limiter.consume(request.ip);
    } catch (error) {
      if (!(error instanceof RateLimitStoreUnavailableError)) throw error;
      sendUnavailablePage(reply);
      return false;
    }
    if (wait === 0) return true;
    sendTooManyPage(reply, wait, 'sign-in requests');
    return false;
  }

  private cookie(path: string) {
    return {
      path,
      httpOnly: true,
      // Lax: the callback is a top-level GET navigation from the upstream's site.
      sameSite: 'lax' as const,
      secure: this.secure,
      maxAge: UPSTREAM_PENDING_TTL_SECONDS,
    };
  }

  private get secure(): boolean {
    return this.config.issuer.startsWith('https:');
  }
}

/**
 * The callback's parameters (RFC 6749 §4.1.2), each a single value of bounded length without
 * control characters; null for anything else, which is refused before it reaches a parser.
 */
export function callbackParameters(query: Record<string, unknown>): CallbackQuery | null {
  const parameters: CallbackQuery = {};
  for (const name of CALLBACK_PARAMETERS) {
    const value = query[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > MAX_PARAMETER_LENGTH) return null;
    if (/\p{Cc}/u.test(value)) return null;
    parameters[name] = value;
  }
  return parameters;
}
