import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ConflictError, ValidationFailedError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { RateLimitUnavailableError, TooManyRequestsError } from '../rate-limit/rate-limit.errors';
import { auditContext } from '../events/audit-context';
import { USERNAME_SYNTAX } from '../users/password.policy';
import { UsersService } from '../users/users.service';
import { csrfToken, csrfValid } from './csrf';
import { formField, internalPath } from './form';
import { seeOther, sendPage, sendTooManyPage, sendUnavailablePage } from './page-response';
import { SESSION_COOKIE, SessionsService } from './sessions.service';
import { errorPage, signupPage } from './views/pages';
import { ErrorShape } from '../common/error-response';

const SIGNUP_ERRORS: Record<string, string> = {
  csrf: 'The form expired. Please try again.',
  username: 'Choose a username of 3 to 64 letters, digits or . _ @ + -',
  email: 'Enter a valid email address, or leave it empty.',
  password: 'The password does not meet the rule below.',
  taken: 'That username is taken. Choose another.',
};
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The sign-up page (SIGNUP_ENABLED); a new account is signed in at once. */
@ApiExcludeController()
@ErrorShape('page')
@Controller('signup')
export class SignupController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  page(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): void {
    if (!this.config.signupEnabled) return sendPage(reply, 403, errorPage('Sign-up is disabled.'));
    const error = formField(query, 'error');
    sendPage(
      reply,
      200,
      signupPage({
        csrf: csrfToken(request, reply, this.config.issuer.startsWith('https:')),
        passwordMinLength: this.config.passwordMinLength,
        interaction: formField(query, 'interaction'),
        error: error ? (SIGNUP_ERRORS[error] ?? SIGNUP_ERRORS.csrf) : undefined,
      }),
    );
  }

  @Post()
  async signUp(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!this.config.signupEnabled) return sendPage(reply, 403, errorPage('Sign-up is disabled.'));
    const form = (request.body ?? {}) as Record<string, unknown>;
    const interaction = formField(form, 'interaction');
    const back = (error: string) =>
      seeOther(reply, internalPath('/signup', { interaction, error }));
    if (!csrfValid(request, formField(form, 'csrf_token'))) return back('csrf');
    const username = formField(form, 'username') ?? '';
    const password = formField(form, 'password') ?? '';
    const email = formField(form, 'email') || undefined;
    if (!USERNAME_SYNTAX.test(username)) return back('username');
    if (email !== undefined && !EMAIL.test(email)) return back('email');
    let userId: string;
    try {
      const audit = auditContext(request, { type: 'anonymous' });
      userId = (await this.users.create({ username, password, email }, audit, request.ip)).id;
    } catch (error) {
      if (error instanceof ConflictError) return back('taken');
      if (error instanceof ValidationFailedError) return back('password');
      // This network's bcrypt budget is spent (docs/security/guessing.md).
      if (error instanceof TooManyRequestsError) {
        return void sendTooManyPage(reply, error.retryAfterSeconds, 'sign-ups');
      }
      if (error instanceof RateLimitUnavailableError) return void sendUnavailablePage(reply);
      throw error;
    }
    const cookie = await this.sessions.start(userId);
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
}
