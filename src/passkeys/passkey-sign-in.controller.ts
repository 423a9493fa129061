import { Controller, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { FastifyReply, FastifyRequest } from 'fastify';
import { internalPath } from '../authorization/form';
import { SESSION_COOKIE, SessionsService } from '../authorization/sessions.service';
import { AppConfig } from '../config/app-config';
import { auditContext } from '../events/audit-context';
import { AuditLog } from '../events/audit-log.service';
import {
  ceremonyBody,
  optionalString,
  setCeremonyCookie,
  takeCeremonyCookie,
} from './ceremony-request';
import { PasskeyAuthentication } from './passkey-authentication.service';
import { ceremonyRefused, NO_CEREMONY, NOT_ACCEPTED } from './passkey-errors';
import { readAuthenticationResponse } from './webauthn-response';

/**
 * "Sign in with a passkey" on the login page (docs/passkeys.md): usernameless, so the options
 * name no account and every refused assertion gets the same answer. Success starts a browser
 * session with the passkey's amr and continues the pending /authorize, as the password does.
 */
@ApiExcludeController()
@Controller('login/passkey')
export class PasskeySignInController {
  constructor(
    private readonly authentication: PasskeyAuthentication,
    private readonly sessions: SessionsService,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
  ) {}

  @Post('options')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  async options(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    ceremonyBody(request);
    const started = await this.authentication.start('sign-in', null);
    setCeremonyCookie(reply, started.cookie, this.secure);
    return started.options;
  }

  @Post()
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  async signIn(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ redirect: string }> {
    const body = ceremonyBody(request);
    const interaction = optionalString(body, 'interaction', 64);
    const response = readAuthenticationResponse(body.response);
    const cookie = takeCeremonyCookie(request, reply, this.secure);
    const anonymous = auditContext(request, { type: 'anonymous' });
    const outcome = await this.authentication.finish('sign-in', cookie, response, anonymous);
    if (outcome.kind === 'refused') {
      await this.audit.recordSafely({
        ...anonymous,
        type: 'login.failed',
        outcome: 'failure',
        target: outcome.userId ? { type: 'user', id: outcome.userId } : undefined,
        details: { method: 'passkey', reason: outcome.reason },
      });
      throw ceremonyRefused(
        outcome.reason === 'no_ceremony' ? NO_CEREMONY : NOT_ACCEPTED,
        outcome.reason,
      );
    }
    const { user, amr } = outcome;
    const session = await this.sessions.start(
      user.id,
      auditContext(request, { type: 'user', id: user.id }),
      amr,
    );
    void reply.setCookie(
      SESSION_COOKIE,
      session,
      this.sessions.cookieOptions(this.config.sessions.lifetime),
    );
    return {
      redirect: interaction ? internalPath('/authorize/continue', { interaction }) : '/account',
    };
  }

  private get secure(): boolean {
    return this.config.issuer.startsWith('https:');
  }
}
