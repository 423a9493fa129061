import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { formField } from '../authorization/form';
import {
  seeOther,
  sendPage,
  sendTooManyPage,
  sendUnavailablePage,
} from '../authorization/page-response';
import { ErrorShape } from '../common/error-response';
import { AppConfig } from '../config/app-config';
import { auditContext } from '../events/audit-context';
import { Mailer } from '../mail/mailer.service';
import { RateLimitUnavailableError } from '../rate-limit/rate-limit.errors';
import { MailThrottle } from './mail-throttle.service';
import { formCsrfValid, formOf, pageCsrf, withQuery } from './page-context';
import { PasswordReset, ResetIdentifier } from './password-reset.service';
import {
  forgotPasswordPage,
  linkInvalidPage,
  resetDonePage,
  resetPasswordPage,
  resetRequestedPage,
} from './views/recovery-pages';

const ERRORS: Record<string, string> = {
  csrf: 'The form expired. Please try again.',
  missing: 'Enter your username or email address.',
  password: 'The password does not meet the rule below.',
};
/** Longest identifier worth looking up: a username is at most 64, an address 254. */
const MAX_IDENTIFIER = 254;

/** /password/forgot and /password/reset (docs/account.md). */
@ApiExcludeController()
@ErrorShape('page')
@Controller('password')
export class PasswordResetController {
  constructor(
    private readonly resets: PasswordReset,
    private readonly throttle: MailThrottle,
    private readonly mailer: Mailer,
    private readonly config: AppConfig,
  ) {}

  @Get('forgot')
  forgotPage(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): void {
    const error = formField(query, 'error');
    sendPage(
      reply,
      200,
      forgotPasswordPage({
        csrf: pageCsrf(request, reply, this.config),
        mailDelivers: this.mailer.delivers,
        error: error ? (ERRORS[error] ?? ERRORS.csrf) : undefined,
      }),
    );
  }

  /** The same 303 to the same page whether or not an account matches; the work is after it. */
  @Post('forgot')
  async forgot(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = formOf(request);
    if (!formCsrfValid(request, form)) return seeOther(reply, '/password/forgot?error=csrf');
    const identifier = identifierOf(form);
    if (!identifier) return seeOther(reply, '/password/forgot?error=missing');
    try {
      const wait = await this.throttle.admit(identifier.value, request.ip);
      if (wait > 0) return void sendTooManyPage(reply, wait, 'password reset requests');
    } catch (error) {
      if (error instanceof RateLimitUnavailableError) return void sendUnavailablePage(reply);
      throw error;
    }
    this.resets.request(identifier, auditContext(request, { type: 'anonymous' }));
    seeOther(reply, '/password/forgot/sent');
  }

  @Get('forgot/sent')
  sent(@Res() reply: FastifyReply): void {
    sendPage(
      reply,
      200,
      resetRequestedPage({
        validMinutes: Math.max(1, Math.round(this.config.passwordResetTtl / 60)),
        mailDelivers: this.mailer.delivers,
      }),
    );
  }

  @Get('reset')
  async resetPage(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const token = formField(query, 'token');
    if (!(await this.resets.isLive(token))) return sendPage(reply, 400, linkInvalidPage('reset'));
    const error = formField(query, 'error');
    sendPage(
      reply,
      200,
      resetPasswordPage({
        csrf: pageCsrf(request, reply, this.config),
        token: token!,
        passwordMinLength: this.config.passwordMinLength,
        error: error ? (ERRORS[error] ?? ERRORS.csrf) : undefined,
      }),
    );
  }

  @Post('reset')
  async reset(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = formOf(request);
    const token = formField(form, 'token');
    const back = (error: string) => seeOther(reply, withQuery('/password/reset', { token, error }));
    if (!formCsrfValid(request, form)) return back('csrf');
    const password = formField(form, 'password');
    if (!password) return back('password');
    const outcome = await this.resets.reset(
      token,
      password,
      auditContext(request, { type: 'anonymous' }),
      request.ip,
    );
    if (outcome.kind === 'password') return back('password');
    if (outcome.kind === 'invalid') return seeOther(reply, '/password/reset/invalid');
    // Every session ended with the reset: this browser's cookie is dead too.
    seeOther(reply, '/password/reset/done');
  }

  @Get('reset/invalid')
  invalid(@Res() reply: FastifyReply): void {
    sendPage(reply, 400, linkInvalidPage('reset'));
  }

  @Get('reset/done')
  done(@Res() reply: FastifyReply): void {
    sendPage(reply, 200, resetDonePage());
  }
}

/**
 * The account the person names: the `email` field, or `username` (which may be an address
 * too: a username may contain @).
 */
function identifierOf(form: Record<string, unknown>): ResetIdentifier | undefined {
  const email = formField(form, 'email')?.trim();
  if (email) return email.length <= MAX_IDENTIFIER ? { kind: 'email', value: email } : undefined;
  const username = formField(form, 'username')?.trim();
  if (!username || username.length > MAX_IDENTIFIER) return undefined;
  return { kind: 'username', value: username };
}
