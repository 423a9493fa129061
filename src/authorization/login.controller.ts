import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AppPassport } from '../common/auth/app-passport';
import { AppConfig } from '../config/app-config';
import { auditContext } from '../events/audit-context';
import { AuditLog } from '../events/audit-log.service';
import { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { RateLimitUnavailableError, TooManyRequestsError } from '../rate-limit/rate-limit.errors';
import { csrfToken, csrfValid } from './csrf';
import { InteractionsService } from './interactions.service';
import { loginAttempt, LoginRefusal } from './login-attempt';
import { LoginThrottle } from './login-throttle.service';
import { seeOther, sendPage, sendTooManyPage, sendUnavailablePage } from './page-response';
import { SESSION_COOKIE, SessionsService } from './sessions.service';
import { loginPage, messagePage } from './views/pages';
import { formField, internalPath } from './form';
import { ErrorShape } from '../common/error-response';

/** Why a sign-in failed, as login.failed records it. */
type LoginFailure = 'csrf' | 'throttled' | 'invalid_credentials' | LoginRefusal;

/**
 * How much of an unknown username login.failed keeps: enough to see many names tried from one
 * address (password spraying), too little to give away a password typed into the wrong field.
 */
const USERNAME_PREFIX_LENGTH = 3;

/** The login page and its form (Passport local strategy). */
@ApiExcludeController()
@ErrorShape('page')
@Controller()
export class LoginController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottle,
    private readonly interactions: InteractionsService,
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly audit: AuditLog,
    private readonly passport: AppPassport,
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
      }),
    );
  }

  @Post('login')
  async login(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    try {
      await this.signIn(request, reply);
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

  private async signIn(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const form = (request.body ?? {}) as Record<string, unknown>;
    const interaction = formField(form, 'interaction');
    const back = (error: string, extra = '') =>
      seeOther(reply, internalPath('/login', { interaction, error }) + extra);
    // One reading of the credentials for the throttle, the strategy and the audit log.
    const attempt = loginAttempt(request);
    const { username } = attempt;
    if (!csrfValid(request, formField(form, 'csrf_token'))) {
      await this.failed(request, username, 'csrf');
      return back('csrf');
    }
    if (attempt.refusal) {
      await this.failed(request, username, attempt.refusal);
      return back('missing');
    }
    const wait = await this.throttle.retryAfter(username, request.ip);
    if (wait > 0) {
      await this.failed(request, username, 'throttled');
      return back('throttled', `&wait=${wait}`);
    }

    const user = await this.passport.authenticate<UserEntity>('local', request, reply);
    if (!user) {
      await this.throttle.recordFailure(username, request.ip);
      await this.failed(request, username, 'invalid_credentials');
      return back('invalid');
    }
    await this.throttle.recordSuccess(username);
    const cookie = await this.sessions.start(
      user.id,
      auditContext(request, { type: 'user', id: user.id }),
    );
    void reply.setCookie(
      SESSION_COOKIE,
      cookie,
      this.sessions.cookieOptions(this.config.sessions.lifetime),
    );
    seeOther(
      reply,
      interaction ? internalPath('/authorize/continue', { interaction }) : '/account',
    );
  }

  @Get('account')
  async account(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const session = await this.sessions.find(request.cookies[SESSION_COOKIE]);
    if (!session) return seeOther(reply, '/login');
    sendPage(
      reply,
      200,
      messagePage('Signed in', `You are signed in as ${session.user.username}.`),
    );
  }

  /**
   * login.failed, by someone not signed in. The target is the account the username names; for
   * an unknown username only its first characters are kept. Losing the event must not turn a
   * failed sign-in into a server error.
   */
  private async failed(
    request: FastifyRequest,
    username: string,
    reason: LoginFailure,
  ): Promise<void> {
    const user = username ? await this.users.findByUsername(username).catch(() => null) : null;
    const typed = Array.from(username);
    const prefix =
      typed.length > USERNAME_PREFIX_LENGTH
        ? `${typed.slice(0, USERNAME_PREFIX_LENGTH).join('')}…`
        : username;
    await this.audit.recordSafely({
      ...auditContext(request, { type: 'anonymous' }),
      type: 'login.failed',
      outcome: 'failure',
      target: user ? { type: 'user', id: user.id } : undefined,
      details: user || !username ? { reason } : { reason, username_prefix: prefix },
    });
  }

  private get secure(): boolean {
    return this.config.issuer.startsWith('https:');
  }
}
