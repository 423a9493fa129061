import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { awaitsEmailVerification } from '../authorization/email-verification.gate';
import { formField } from '../authorization/form';
import { LoginThrottle } from '../authorization/login-throttle.service';
import {
  seeOther,
  sendPage,
  sendTooManyPage,
  sendUnavailablePage,
} from '../authorization/page-response';
import { ActiveSession, SESSION_COOKIE, SessionsService } from '../authorization/sessions.service';
import { ValidationFailedError } from '../common/api-error';
import { ErrorShape } from '../common/error-response';
import { mailAddressProblem } from '../config/mail-address';
import { AppConfig } from '../config/app-config';
import { auditContext } from '../events/audit-context';
import { Mailer } from '../mail/mailer.service';
import { RateLimitUnavailableError, TooManyRequestsError } from '../rate-limit/rate-limit.errors';
import { UsersService } from '../users/users.service';
import { AppAccess } from './app-access.service';
import { EmailVerification } from './email-verification.service';
import { SENT_NOTICES } from './email-verification.controller';
import { MailThrottle } from './mail-throttle.service';
import { formCsrfValid, formOf, pageCsrf } from './page-context';
import {
  AccountShell,
  appsPage,
  emailPage,
  passwordPage,
  profilePage,
  sessionsPage,
} from './views/account-pages';

/** What the pages say after a change (fixed texts: the query only picks one). */
const NOTICES: Record<string, string> = {
  profile: 'Your profile is saved.',
  email: 'Your email address is changed. Open the link we sent to confirm it.',
  email_unsent:
    'Your email address is changed. No confirmation link could be sent: ask your administrator.',
  password: 'Your password is changed. Every other browser and app was signed out.',
  session: 'That session is signed out.',
  sessions: 'Every other session is signed out.',
  app: "The app's access is revoked.",
  ...SENT_NOTICES,
};
const ERRORS: Record<string, string> = {
  csrf: 'The form expired. Please try again.',
  name: 'Names are at most 200 characters (given and family names 100).',
  email: 'Enter one valid email address.',
  current: 'Your current password is not right.',
  password: 'The new password does not meet the rule below.',
  throttled: 'Too many wrong passwords. Wait a few minutes and try again.',
};
const PROFILE_LIMITS = { name: 200, given_name: 100, family_name: 100 } as const;

type AccountPath =
  '/account' | '/account/email' | '/account/password' | '/account/sessions' | '/account/apps';

/**
 * The account pages (docs/account.md): profile, email, password, sessions, apps. Each request
 * reads the session anew (a sign-out elsewhere ends it at once); every form carries the CSRF
 * token; every POST answers 303.
 */
@ApiExcludeController()
@ErrorShape('page')
@Controller('account')
export class AccountController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly verification: EmailVerification,
    private readonly apps: AppAccess,
    private readonly loginThrottle: LoginThrottle,
    private readonly mailThrottle: MailThrottle,
    private readonly mailer: Mailer,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async profile(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const session = await this.signedIn(request, reply);
    if (!session) return;
    const { user } = session;
    sendPage(reply, 200, profilePage(this.shell(request, reply, session, '/account', query), user));
  }

  @Post('profile')
  async saveProfile(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const form = await this.form(request, reply, '/account');
    if (!form) return;
    const fields: Record<string, string | undefined> = {};
    for (const [name, limit] of Object.entries(PROFILE_LIMITS)) {
      const value = formField(form.fields, name)?.trim();
      if (value !== undefined && value.length > limit)
        return seeOther(reply, '/account?error=name');
      fields[name] = value || undefined;
    }
    // An emptied field stays as it was: the admin API, not this page, clears names.
    await this.users.update(
      form.session.user.id,
      { name: fields.name, given_name: fields.given_name, family_name: fields.family_name },
      this.audit(request, form.session),
    );
    seeOther(reply, '/account?done=profile');
  }

  @Get('email')
  async email(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const session = await this.signedIn(request, reply);
    if (!session) return;
    sendPage(
      reply,
      200,
      emailPage(this.shell(request, reply, session, '/account/email', query), {
        email: session.user.email,
        verified: session.user.emailVerified,
        mailDelivers: this.mailer.delivers,
        verificationOff: this.config.emailVerification.mode === 'off',
      }),
    );
  }

  /** A new address needs the current password (a borrowed session cannot redirect resets). */
  @Post('email')
  async changeEmail(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const form = await this.form(request, reply, '/account/email');
    if (!form) return;
    const email = formField(form.fields, 'email')?.trim() ?? '';
    if (mailAddressProblem(email)) return seeOther(reply, '/account/email?error=email');
    if (
      !(await this.passwordConfirmed(request, reply, form.session, form.fields, '/account/email'))
    )
      return;
    const context = this.audit(request, form.session);
    const saved = await this.users.update(form.session.user.id, { email }, context, {
      announceEmail: false,
    });
    let done = 'email';
    if (!saved.emailVerified && this.config.emailVerification.mode !== 'off') {
      const sent = await this.verification.send(saved, context);
      if (sent !== 'sent') done = 'email_unsent';
    }
    seeOther(reply, `/account/email?done=${done}`);
  }

  @Post('email/verify')
  async resendVerification(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const form = await this.form(request, reply, '/account/email');
    if (!form) return;
    try {
      const wait = await this.mailThrottle.admit(`user:${form.session.user.id}`, request.ip);
      if (wait > 0) return void sendTooManyPage(reply, wait, 'confirmation mails');
    } catch (error) {
      if (error instanceof RateLimitUnavailableError) return void sendUnavailablePage(reply);
      throw error;
    }
    const sent = await this.verification.send(form.session.user, this.audit(request, form.session));
    seeOther(reply, `/account/email?done=${sent}`);
  }

  @Get('password')
  async password(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const session = await this.signedIn(request, reply);
    if (!session) return;
    sendPage(
      reply,
      200,
      passwordPage(
        this.shell(request, reply, session, '/account/password', query),
        this.config.passwordMinLength,
      ),
    );
  }

  /**
   * A new password ends every sign-in of the account (docs/security/privilege.md); this
   * browser gets a new session at once, so only the others are signed out.
   */
  @Post('password')
  async changePassword(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const form = await this.form(request, reply, '/account/password');
    if (!form) return;
    if (
      !(await this.passwordConfirmed(
        request,
        reply,
        form.session,
        form.fields,
        '/account/password',
      ))
    )
      return;
    const context = this.audit(request, form.session);
    try {
      await this.users.setPassword(
        form.session.user.id,
        formField(form.fields, 'new_password') ?? '',
        context,
        {
          source: request.ip,
          eventType: 'account.password_changed',
        },
      );
    } catch (error) {
      if (error instanceof ValidationFailedError)
        return seeOther(reply, '/account/password?error=password');
      if (error instanceof TooManyRequestsError)
        return void sendTooManyPage(reply, error.retryAfterSeconds, 'password changes');
      throw error;
    }
    const cookie = await this.sessions.start(form.session.user.id, context);
    void reply.setCookie(
      SESSION_COOKIE,
      cookie,
      this.sessions.cookieOptions(this.config.sessions.lifetime),
    );
    seeOther(reply, '/account/password?done=password');
  }

  @Get('sessions')
  async sessionList(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const session = await this.signedIn(request, reply);
    if (!session) return;
    const listed = await this.sessions.listFor(session.user.id, request.cookies[SESSION_COOKIE]);
    sendPage(
      reply,
      200,
      sessionsPage(this.shell(request, reply, session, '/account/sessions', query), listed),
    );
  }

  @Post('sessions/end')
  async endSession(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const form = await this.form(request, reply, '/account/sessions');
    if (!form) return;
    const handle = formField(form.fields, 'session') ?? '';
    if (/^[A-Za-z0-9_-]{32}$/.test(handle))
      await this.sessions.endFor(
        form.session.user.id,
        { handle },
        this.audit(request, form.session),
      );
    seeOther(reply, '/account/sessions?done=session');
  }

  @Post('sessions/end-others')
  async endOtherSessions(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const form = await this.form(request, reply, '/account/sessions');
    if (!form) return;
    await this.sessions.endFor(
      form.session.user.id,
      { allBut: request.cookies[SESSION_COOKIE] },
      this.audit(request, form.session),
    );
    seeOther(reply, '/account/sessions?done=sessions');
  }

  @Get('apps')
  async appList(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const session = await this.signedIn(request, reply);
    if (!session) return;
    const apps = await this.apps.list(session.user.id);
    sendPage(
      reply,
      200,
      appsPage(this.shell(request, reply, session, '/account/apps', query), apps),
    );
  }

  @Post('apps/revoke')
  async revokeApp(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const form = await this.form(request, reply, '/account/apps');
    if (!form) return;
    const clientId = formField(form.fields, 'client_id') ?? '';
    if (clientId.length > 0 && clientId.length <= 128)
      await this.apps.revoke(form.session.user.id, clientId, this.audit(request, form.session));
    seeOther(reply, '/account/apps?done=app');
  }

  /** The live session, or a 303 to the login page (and undefined). */
  private async signedIn(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<ActiveSession | undefined> {
    const session = await this.sessions.find(request.cookies[SESSION_COOKIE]);
    if (!session) seeOther(reply, '/login');
    return session ?? undefined;
  }

  /** A POSTed form of a signed-in person with a valid CSRF token, or the 303 that refuses it. */
  private async form(request: FastifyRequest, reply: FastifyReply, page: AccountPath) {
    const session = await this.signedIn(request, reply);
    if (!session) return undefined;
    const fields = formOf(request);
    if (!formCsrfValid(request, fields)) {
      seeOther(reply, `${page}?error=csrf`);
      return undefined;
    }
    return { session, fields };
  }

  /** The current password, checked with the sign-in throttle (per account and source). */
  private async passwordConfirmed(
    request: FastifyRequest,
    reply: FastifyReply,
    session: ActiveSession,
    fields: Record<string, unknown>,
    page: AccountPath,
  ): Promise<boolean> {
    const { username } = session.user;
    try {
      if ((await this.loginThrottle.retryAfter(username, request.ip)) > 0) {
        seeOther(reply, `${page}?error=throttled`);
        return false;
      }
      const current = formField(fields, 'current_password') ?? '';
      const user = current ? await this.users.verifyPassword(username, current, request.ip) : null;
      if (user?.id === session.user.id) return true;
      await this.loginThrottle.recordFailure(username, request.ip);
      seeOther(reply, `${page}?error=current`);
      return false;
    } catch (error) {
      if (error instanceof TooManyRequestsError) {
        sendTooManyPage(reply, error.retryAfterSeconds, 'password checks');
        return false;
      }
      if (error instanceof RateLimitUnavailableError) {
        sendUnavailablePage(reply);
        return false;
      }
      throw error;
    }
  }

  private shell(
    request: FastifyRequest,
    reply: FastifyReply,
    session: ActiveSession,
    current: AccountPath,
    query: Record<string, unknown>,
  ): AccountShell {
    const done = formField(query, 'done');
    const error = formField(query, 'error');
    return {
      csrf: pageCsrf(request, reply, this.config),
      username: session.user.username,
      current,
      notice: done ? NOTICES[done] : undefined,
      error: error ? (ERRORS[error] ?? ERRORS.csrf) : undefined,
      verificationNeeded: awaitsEmailVerification(this.config, session.user),
    };
  }

  private audit(request: FastifyRequest, session: ActiveSession) {
    return auditContext(request, { type: 'user', id: session.user.id });
  }
}
