import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { csrfToken, csrfValid } from '../authorization/csrf';
import { formField } from '../authorization/form';
import { SCRIPTED_PAGE_HEADERS, seeOther, sendPage } from '../authorization/page-response';
import { ActiveSession, SESSION_COOKIE, SessionsService } from '../authorization/sessions.service';
import { GatehouseError } from '../common/errors';
import { ErrorShape } from '../common/error-response';
import { AppConfig } from '../config/app-config';
import { auditContext } from '../events/audit-context';
import { Passkeys } from './passkeys.service';
import { RelyingParty } from './relying-party';
import { REAUTHENTICATION_WINDOW_MS } from './recent-sign-in';
import { RecentSignIn } from '../authorization/second-factors/recent-sign-in.service';
import { passkeysPage } from './views/passkeys-page';
import { readPasskeyName } from './webauthn-response';

const PAGE = '/account/passkeys';
const at = (query: Record<string, string>) => `${PAGE}?${new URLSearchParams(query).toString()}`;

/**
 * /account/passkeys, the pages part: the list, rename and remove as plain forms (303 after each
 * POST). Adding a passkey is WebAuthn: AccountPasskeyCeremonyController.
 */
@ApiExcludeController()
@ErrorShape('page')
@Controller('account/passkeys')
export class AccountPasskeysController {
  constructor(
    private readonly recentSignIn: RecentSignIn,
    private readonly passkeys: Passkeys,
    private readonly sessions: SessionsService,
    private readonly relyingParty: RelyingParty,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async page(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    this.relyingParty.settings();
    const session = await this.session(request);
    if (!session) return seeOther(reply, '/login');
    const passkeys = await this.passkeys.listFor(session.user.id);
    sendPage(
      reply,
      200,
      passkeysPage({
        csrf: csrfToken(request, reply, this.secure),
        username: session.user.username,
        recent: await this.recentSignIn.allows(session, REAUTHENTICATION_WINDOW_MS),
        notice: formField(query, 'notice'),
        error: formField(query, 'error'),
        passkeys: passkeys.map((passkey) => ({
          id: passkey.id,
          name: passkey.name,
          synced: passkey.deviceType === 'multiDevice',
          createdAt: passkey.createdAt,
          lastUsedAt: passkey.lastUsedAt,
        })),
      }),
      SCRIPTED_PAGE_HEADERS,
    );
  }

  @Post(':id/delete')
  async remove(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const session = await this.changing(request, reply);
    if (!session) return;
    const actor = auditContext(request, { type: 'user', id: session.user.id });
    const done = await this.passkeys.remove(session.user.id, id, actor).then(
      () => true,
      (error: unknown) => notFound(error),
    );
    seeOther(reply, done ? at({ notice: 'removed' }) : at({ error: 'missing' }));
  }

  @Post(':id/rename')
  async rename(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const session = await this.changing(request, reply);
    if (!session) return;
    let name: string;
    try {
      name = readPasskeyName(formField(this.form(request), 'name'));
    } catch {
      return seeOther(reply, at({ error: 'name' }));
    }
    const actor = auditContext(request, { type: 'user', id: session.user.id });
    const done = await this.passkeys.rename(session.user.id, id, name, actor).then(
      () => true,
      (error: unknown) => notFound(error),
    );
    seeOther(reply, done ? at({ notice: 'renamed' }) : at({ error: 'missing' }));
  }

  /**
   * Re-authentication: this browser's session ends and the login page follows, which brings
   * the person back to /account/security (its passkey section links here).
   */
  @Post('sign-in-again')
  async signInAgain(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!csrfValid(request, formField(this.form(request), 'csrf_token'))) {
      return seeOther(reply, at({ error: 'csrf' }));
    }
    await this.sessions.end(request.cookies[SESSION_COOKIE]);
    void reply.clearCookie(SESSION_COOKIE, this.sessions.cookieOptions());
    seeOther(reply, '/login?then=security');
  }

  /** The session of a change: CSRF, signed in, recently; else the answer is sent and null. */
  private async changing(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<ActiveSession | null> {
    this.relyingParty.settings();
    if (!csrfValid(request, formField(this.form(request), 'csrf_token'))) {
      seeOther(reply, at({ error: 'csrf' }));
      return null;
    }
    const session = await this.session(request);
    if (!session) {
      seeOther(reply, '/login');
      return null;
    }
    if (!(await this.recentSignIn.allows(session, REAUTHENTICATION_WINDOW_MS))) {
      seeOther(reply, at({ error: 'reauth' }));
      return null;
    }
    return session;
  }

  private session(request: FastifyRequest): Promise<ActiveSession | null> {
    return this.sessions.find(request.cookies[SESSION_COOKIE]);
  }

  private form(request: FastifyRequest): Record<string, unknown> {
    const body = request.body;
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  }

  private get secure(): boolean {
    return this.config.issuer.startsWith('https:');
  }
}

/** A passkey that is not the person's (or not at all) is "missing"; anything else is thrown. */
function notFound(error: unknown): false {
  if (error instanceof GatehouseError && error.status === 404) return false;
  throw error;
}
