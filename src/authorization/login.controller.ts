import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AppPassport } from '../common/auth/app-passport';
import { AppConfig } from '../config/app-config';
import { auditContext } from '../events/audit-context';
import { RateLimitUnavailableError, TooManyRequestsError } from '../rate-limit/rate-limit.errors';
import { csrfToken, csrfValid } from './csrf';
import { InteractionsService } from './interactions.service';
import { loginAttempt } from './login-attempt';
import {
  PAGE_HEADERS,
  SCRIPTED_PAGE_HEADERS,
  seeOther,
  sendPage,
  sendTooManyPage,
  sendUnavailablePage,
} from './page-response';
import { SESSION_COOKIE, SessionsService } from './sessions.service';
import { User } from '../users/user';
import { SignIn } from './sign-in.service';
import { loginPage } from './views/pages';
import { formField, internalPath } from './form';
import { ErrorShape } from '../common/error-response';
import { IdentityProvidersService } from '../identity-providers/identity-providers.service';
import {
  PENDING_SIGN_IN_COOKIE,
  PENDING_SIGN_IN_TTL_SECONDS,
  PendingSignIns,
} from './second-factors/pending-sign-ins.service';
import { afterSignIn } from './second-factors/second-factor.controller';

/** The login page and its form (Passport local strategy); signing in is SignIn's. */
@ApiExcludeController()
@ErrorShape('page')
@Controller()
export class LoginController {
  constructor(
    private readonly signIn: SignIn,
    private readonly sessions: SessionsService,
    private readonly interactions: InteractionsService,
    private readonly config: AppConfig,
    private readonly passport: AppPassport,
    private readonly identityProviders: IdentityProvidersService,
    private readonly pending: PendingSignIns,
  ) {}

  @Get('login')
  async page(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const interaction = formField(query, 'interaction');
    // OIDC Core §3.1.2.1 login_hint: prefill the username the client suggested.
    const pending = await this.interactions.find(interaction);
    const wait = Number(formField(query, 'wait'));
    const passkeys = this.config.webauthn !== undefined;
    sendPage(
      reply,
      200,
      loginPage({
        csrf: csrfToken(request, reply, this.secure),
        interaction,
        username: pending?.loginHint,
        error: formField(query, 'error'),
        waitSeconds: Number.isFinite(wait) ? wait : undefined,
        signupEnabled: this.config.signupEnabled,
        upstream: await this.upstreamChoices(),
        passkeys,
        then: formField(query, 'then') === 'security' ? 'security' : undefined,
      }),
      passkeys ? SCRIPTED_PAGE_HEADERS : PAGE_HEADERS,
    );
  }

  @Post('login')
  async login(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = (request.body ?? {}) as Record<string, unknown>;
    const interaction = formField(form, 'interaction');
    // After re-authenticating for /account/security, back there (a name, never a URL).
    const then = formField(form, 'then') === 'security' ? 'security' : undefined;
    try {
      const outcome = await this.signIn.signIn({
        // One reading of the credentials for the throttle, the strategy and the audit log.
        attempt: loginAttempt(request),
        csrfValid: csrfValid(request, formField(form, 'csrf_token')),
        ip: request.ip,
        audit: (actor) => auditContext(request, actor),
        verify: () => this.passport.authenticate<User>('local', request, reply),
        interaction,
      });
      if (outcome.kind === 'refused') {
        const wait = outcome.wait === undefined ? '' : `&wait=${outcome.wait}`;
        return seeOther(
          reply,
          internalPath('/login', { interaction, error: outcome.error, then }) + wait,
        );
      }
      if (outcome.kind === 'second-factor') {
        void reply.setCookie(
          PENDING_SIGN_IN_COOKIE,
          outcome.pendingCookie,
          this.pending.cookieOptions(PENDING_SIGN_IN_TTL_SECONDS),
        );
        return seeOther(
          reply,
          then ? '/login/second-factor?then=security' : '/login/second-factor',
        );
      }
      void reply.setCookie(
        SESSION_COOKIE,
        outcome.cookie,
        this.sessions.cookieOptions(this.config.sessions.lifetime),
      );
      seeOther(reply, afterSignIn(interaction, then));
    } catch (error) {
      // This network's bcrypt budget is spent: no password was checked.
      if (error instanceof TooManyRequestsError) {
        return void sendTooManyPage(reply, error.retryAfterSeconds, 'sign-in requests');
      }
      // The failed-login counters cannot be read or written: refuse (fail closed).
      if (!(error instanceof RateLimitUnavailableError)) throw error;
      sendUnavailablePage(reply);
    }
  }

  /** "Sign in with <name>" for each active upstream provider (docs/identity-providers.md). */
  private async upstreamChoices(): Promise<Array<{ alias: string; name: string }>> {
    const providers = await this.identityProviders.active();
    return providers.map(({ alias, name }) => ({ alias, name }));
  }

  private get secure(): boolean {
    return this.config.issuer.startsWith('https:');
  }
}
