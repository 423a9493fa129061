import { Controller, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ActiveSession, SESSION_COOKIE, SessionsService } from '../authorization/sessions.service';
import { ForbiddenError, UnauthorizedError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { auditContext } from '../events/audit-context';
import { ceremonyBody, setCeremonyCookie, takeCeremonyCookie } from './ceremony-request';
import { PasskeyRegistration } from './passkey-registration.service';
import { REAUTHENTICATION_WINDOW_MS } from './recent-sign-in';
import { RecentSignIn } from '../authorization/second-factors/recent-sign-in.service';
import { SecondFactorEnrolment } from '../authorization/second-factors/second-factor-enrolment.service';
import { passkeyFactor } from './passkey-amr';
import { readPasskeyName, readRegistrationResponse } from './webauthn-response';

/**
 * Adding a passkey from /account/passkeys (WebAuthn §7.1), as JSON for /assets/passkeys.js:
 * options, then the attestation. Signed in recently, CSRF-checked, bound to this browser.
 */
@ApiExcludeController()
@Controller('account/passkeys')
export class AccountPasskeyCeremonyController {
  constructor(
    private readonly recentSignIn: RecentSignIn,
    private readonly enrolment: SecondFactorEnrolment,
    private readonly registration: PasskeyRegistration,
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
  ) {}

  @Post('options')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  async options(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    ceremonyBody(request);
    const session = await this.recentSession(request);
    const started = await this.registration.start(session.user);
    setCeremonyCookie(reply, started.cookie, this.secure);
    return started.options;
  }

  @Post()
  @HttpCode(201)
  @Header('cache-control', 'no-store')
  async add(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ id: string; name: string; redirect: string }> {
    const body = ceremonyBody(request);
    const session = await this.recentSession(request);
    const name = readPasskeyName(body.name, 'Passkey');
    const response = readRegistrationResponse(body.response);
    const cookie = takeCeremonyCookie(request, reply, this.secure);
    const actor = auditContext(request, { type: 'user', id: session.user.id });
    const added = await this.registration.finish(session.user, cookie, response, name, actor);
    // Registering proved the passkey, with user verification (required): the session steps up.
    const methods = passkeyFactor({ deviceType: added.deviceType, userVerified: true });
    await this.enrolment.upgradeSession(session, methods, request, reply);
    return { id: added.id, name: added.name, redirect: '/account/passkeys?notice=added' };
  }

  private async recentSession(request: FastifyRequest): Promise<ActiveSession> {
    const session = await this.sessions.find(request.cookies[SESSION_COOKIE]);
    if (!session) throw new UnauthorizedError('sign in first');
    if (!(await this.recentSignIn.allows(session, REAUTHENTICATION_WINDOW_MS))) {
      throw new ForbiddenError('sign in again to change your passkeys');
    }
    return session;
  }

  private get secure(): boolean {
    return this.config.issuer.startsWith('https:');
  }
}
