import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { passportAuthenticate } from '../common/auth/passport-authenticate';
import { AppConfig } from '../config/app-config';
import { UserEntity } from '../users/user.entity';
import { csrfToken, csrfValid } from './csrf';
import { InteractionsService } from './interactions.service';
import { LoginThrottle } from './login-throttle.service';
import { seeOther, sendPage } from './page-response';
import { SESSION_COOKIE, SessionsService } from './sessions.service';
import { loginPage, messagePage } from './views/pages';
import { formField, internalPath } from './form';

/** The login page and its form (Passport local strategy). */
@ApiExcludeController()
@Controller()
export class LoginController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly throttle: LoginThrottle,
    private readonly interactions: InteractionsService,
    private readonly config: AppConfig,
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
    const form = (request.body ?? {}) as Record<string, unknown>;
    const interaction = formField(form, 'interaction');
    const back = (error: string, extra = '') =>
      seeOther(reply, internalPath('/login', { interaction, error }) + extra);
    if (!csrfValid(request, formField(form, 'csrf_token'))) return back('csrf');
    const username = formField(form, 'username') ?? '';
    const wait = this.throttle.retryAfter(username, request.ip);
    if (wait > 0) return back('throttled', `&wait=${wait}`);

    const user = await passportAuthenticate<UserEntity>('local', request, reply);
    if (!user) {
      this.throttle.recordFailure(username, request.ip);
      return back(username ? 'invalid' : 'missing');
    }
    this.throttle.recordSuccess(username);
    const cookie = await this.sessions.start(user.id);
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

  private get secure(): boolean {
    return this.config.issuer.startsWith('https:');
  }
}
