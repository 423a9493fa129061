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
import { SESSION_COOKIE, SessionsService } from '../authorization/sessions.service';
import { ErrorShape } from '../common/error-response';
import { AppConfig } from '../config/app-config';
import { auditContext } from '../events/audit-context';
import { Mailer } from '../mail/mailer.service';
import { RateLimitUnavailableError } from '../rate-limit/rate-limit.errors';
import { AccountLinks } from './account-links.service';
import { EmailVerification } from './email-verification.service';
import { MailThrottle } from './mail-throttle.service';
import { formCsrfValid, formOf, pageCsrf, withQuery } from './page-context';
import {
  checkMailPage,
  confirmEmailPage,
  emailConfirmedPage,
  linkInvalidPage,
} from './views/recovery-pages';

/** What a send came to, as the page says it (a fixed text per outcome, never the request's). */
export const SENT_NOTICES: Record<string, string> = {
  sent: 'We sent a new link. Check your mail.',
  logged: 'This server sends no mail, so no link was sent. Ask your administrator.',
  failed: 'The mail could not be sent just now. Try again in a few minutes.',
  refused: 'Your email address cannot receive mail from us. Change it on your account page.',
  no_address: 'Your account has no email address. Add one on your account page.',
  csrf: 'The form expired. Please try again.',
};

/**
 * Email verification pages (docs/account.md): /verify-email is where a signed-in person whose
 * address awaits confirmation is sent (with EMAIL_VERIFICATION=required, before any
 * authorization), with a rate-limited resend; /verify-email/confirm is where the mailed link
 * lands.
 */
@ApiExcludeController()
@ErrorShape('page')
@Controller('verify-email')
export class EmailVerificationController {
  constructor(
    private readonly verification: EmailVerification,
    private readonly links: AccountLinks,
    private readonly sessions: SessionsService,
    private readonly throttle: MailThrottle,
    private readonly mailer: Mailer,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async page(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const session = await this.sessions.find(request.cookies[SESSION_COOKIE]);
    if (!session) return seeOther(reply, '/login');
    const interaction = formField(query, 'interaction');
    const sent = formField(query, 'sent');
    const notice = sent ? SENT_NOTICES[sent] : undefined;
    sendPage(
      reply,
      200,
      checkMailPage({
        csrf: pageCsrf(request, reply, this.config),
        interaction,
        email: session.user.email,
        mailDelivers: this.mailer.delivers,
        notice: sent === 'sent' || sent === 'logged' ? notice : undefined,
        error: sent !== 'sent' && sent !== 'logged' ? notice : undefined,
        required: this.config.emailVerification.mode === 'required',
      }),
    );
  }

  /** Resend: rate limited per account and source like the reset mails. */
  @Post()
  async resend(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const session = await this.sessions.find(request.cookies[SESSION_COOKIE]);
    if (!session) return seeOther(reply, '/login');
    const form = formOf(request);
    const interaction = formField(form, 'interaction');
    const back = (sent: string) =>
      seeOther(reply, withQuery('/verify-email', { interaction, sent }));
    if (!formCsrfValid(request, form)) return back('csrf');
    try {
      const wait = await this.throttle.admit(`user:${session.user.id}`, request.ip);
      if (wait > 0) return void sendTooManyPage(reply, wait, 'confirmation mails');
    } catch (error) {
      if (error instanceof RateLimitUnavailableError) return void sendUnavailablePage(reply);
      throw error;
    }
    const actor = { type: 'user' as const, id: session.user.id };
    back(await this.verification.send(session.user, auditContext(request, actor)));
  }

  /** The mailed link: a button to confirm, so a mail scanner's visit redeems nothing. */
  @Get('confirm')
  async confirmPage(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const token = formField(query, 'token');
    if (!(await this.links.peek('email_verification', token)))
      return sendPage(reply, 400, linkInvalidPage('verification'));
    sendPage(
      reply,
      200,
      confirmEmailPage({ csrf: pageCsrf(request, reply, this.config), token: token! }),
    );
  }

  @Post('confirm')
  async confirm(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = formOf(request);
    const token = formField(form, 'token');
    if (!formCsrfValid(request, form))
      return seeOther(reply, withQuery('/verify-email/confirm', { token }));
    const done = await this.verification.confirm(
      token,
      auditContext(request, { type: 'anonymous' }),
    );
    seeOther(reply, done ? '/verify-email/confirmed' : '/verify-email/invalid');
  }

  @Get('confirmed')
  confirmed(@Res() reply: FastifyReply): void {
    sendPage(reply, 200, emailConfirmedPage());
  }

  @Get('invalid')
  invalid(@Res() reply: FastifyReply): void {
    sendPage(reply, 400, linkInvalidPage('verification'));
  }
}
