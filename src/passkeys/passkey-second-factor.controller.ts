import { Controller, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { FastifyReply, FastifyRequest } from 'fastify';
import { afterSignIn } from '../authorization/second-factors/second-factor.controller';
import {
  Challenge,
  SecondFactorStep,
} from '../authorization/second-factors/second-factor-step.service';
import { UnauthorizedError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { auditContext } from '../events/audit-context';
import { AuditLog } from '../events/audit-log.service';
import {
  ceremonyBody,
  optionalString,
  setCeremonyCookie,
  takeCeremonyCookie,
} from './ceremony-request';
import { passkeyFactor } from './passkey-amr';
import { PasskeyAuthentication } from './passkey-authentication.service';
import { ceremonyRefused, NO_CEREMONY, NOT_ACCEPTED } from './passkey-errors';
import { readAuthenticationResponse } from './webauthn-response';

/**
 * "Use a passkey" on the second-factor step (docs/passkeys.md): the pending sign-in's own
 * passkeys only; success completes the step with `hwk`/`swk` and `user` (plus `mfa`).
 */
@ApiExcludeController()
@Controller('login/second-factor/passkey')
export class PasskeySecondFactorController {
  constructor(
    private readonly step: SecondFactorStep,
    private readonly authentication: PasskeyAuthentication,
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
    const body = ceremonyBody(request);
    const challenge = await this.challenge(request, body);
    const started = await this.authentication.start('second-factor', challenge.userId);
    setCeremonyCookie(reply, started.cookie, this.secure);
    return started.options;
  }

  @Post()
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  async verify(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ redirect: string }> {
    const body = ceremonyBody(request);
    const challenge = await this.challenge(request, body);
    const response = readAuthenticationResponse(body.response);
    const cookie = takeCeremonyCookie(request, reply, this.secure);
    const context = auditContext(request, { type: 'user', id: challenge.userId });
    const outcome = await this.authentication.finish('second-factor', cookie, response, context);
    if (outcome.kind === 'refused') {
      await this.audit.recordSafely({
        ...context,
        type: 'second_factor.failed',
        outcome: 'failure',
        target: { type: 'user', id: challenge.userId },
        details: { kind: 'passkey', reason: outcome.reason },
      });
      throw ceremonyRefused(
        outcome.reason === 'no_ceremony' ? NO_CEREMONY : NOT_ACCEPTED,
        outcome.reason,
      );
    }
    await this.audit.record({
      ...context,
      type: 'second_factor.succeeded',
      target: { type: 'user', id: challenge.userId },
      details: { kind: 'passkey' },
    });
    const done = await this.step.complete(challenge, passkeyFactor(outcome.use), request, reply);
    if (!done.ok) throw new UnauthorizedError('the sign-in expired: sign in again');
    const then = optionalString(body, 'then', 16) === 'security' ? 'security' : undefined;
    return { redirect: afterSignIn(challenge.interaction, then) };
  }

  /** The pending sign-in (or step-up) this browser answers; 401 when there is none. */
  private async challenge(
    request: FastifyRequest,
    body: Record<string, unknown>,
  ): Promise<Challenge> {
    const interaction = optionalString(body, 'interaction', 64);
    const challenge = await this.step.challenge(request, interaction);
    if (!challenge) throw new UnauthorizedError('no sign-in is waiting for a second factor');
    return challenge;
  }

  private get secure(): boolean {
    return this.config.issuer.startsWith('https:');
  }
}
