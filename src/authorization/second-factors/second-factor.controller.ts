import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorShape } from '../../common/error-response';
import { AppConfig } from '../../config/app-config';
import { RateLimitUnavailableError } from '../../rate-limit/rate-limit.errors';
import { csrfToken, csrfValid } from '../csrf';
import { formField, internalPath } from '../form';
import {
  PAGE_HEADERS,
  SCRIPTED_PAGE_HEADERS,
  seeOther,
  sendPage,
  sendUnavailablePage,
} from '../page-response';
import { SecondFactorRegistry } from './second-factor.registry';
import { secondFactorPage } from './second-factor.pages';
import { Challenge, SecondFactorStep } from './second-factor-step.service';
import { TOTP_KIND } from './totp-authenticators.service';

/** After sign-in with no authorization request: the account, or the page that asked. */
export function afterSignIn(interaction: string | undefined, then: string | undefined): string {
  if (interaction) return internalPath('/authorize/continue', { interaction });
  return then === 'security' ? '/account/security' : '/account';
}

/** The second step of a sign-in, `/login/second-factor` (docs/second-factors.md). */
@ApiExcludeController()
@ErrorShape('page')
@Controller('login/second-factor')
export class SecondFactorController {
  constructor(
    private readonly step: SecondFactorStep,
    private readonly registry: SecondFactorRegistry,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async page(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const interaction = formField(query, 'interaction');
    const challenge = await this.step.challenge(request, interaction);
    if (!challenge) return this.startOver(reply, interaction);
    const csrf = csrfToken(request, reply, this.secure);
    const wait = Number(formField(query, 'wait'));
    const options = await this.registry.challengeOptions({ csrf, userId: challenge.userId });
    const app = this.registry.all().find((kind) => kind.kind === TOTP_KIND);
    const hasAuthenticatorApp = (await app?.enrolled(challenge.userId)) ?? false;
    sendPage(
      reply,
      200,
      secondFactorPage({
        csrf,
        interaction: challenge.source.kind === 'session' ? challenge.interaction : undefined,
        then: formField(query, 'then') === 'security' ? 'security' : undefined,
        error: formField(query, 'error'),
        waitSeconds: Number.isFinite(wait) ? wait : undefined,
        hasAuthenticatorApp,
        options,
      }),
      // Another kind's option may run our own scripts (passkeys: WebAuthn needs JavaScript).
      options.length > 0 ? SCRIPTED_PAGE_HEADERS : PAGE_HEADERS,
    );
  }

  @Post()
  async verify(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = (request.body ?? {}) as Record<string, unknown>;
    const interaction = formField(form, 'interaction');
    const then = formField(form, 'then') === 'security' ? 'security' : undefined;
    const challenge = await this.step.challenge(request, interaction);
    if (!challenge) return this.startOver(reply, interaction);
    const back = (error: string, wait?: number) =>
      seeOther(reply, this.pagePath(challenge, then, error, wait));
    if (!csrfValid(request, formField(form, 'csrf_token'))) return back('csrf');
    const otp = formField(form, 'otp');
    if (!otp?.trim()) return back('missing');
    try {
      const check = await this.step.checkCode(challenge, otp, request);
      if (check.kind === 'refused') return back(check.error, check.wait);
      const done = await this.step.complete(challenge, ['otp'], request, reply);
      if (!done.ok) return this.startOver(reply, challenge.interaction);
      seeOther(reply, afterSignIn(challenge.interaction, then));
    } catch (error) {
      // The failure counters cannot be read or written: refuse (fail closed).
      if (!(error instanceof RateLimitUnavailableError)) throw error;
      sendUnavailablePage(reply);
    }
  }

  private pagePath(challenge: Challenge, then?: string, error?: string, wait?: number): string {
    const params = new URLSearchParams();
    if (challenge.source.kind === 'session' && challenge.interaction)
      params.set('interaction', challenge.interaction);
    if (then) params.set('then', then);
    if (error) params.set('error', error);
    if (wait !== undefined) params.set('wait', String(wait));
    const search = params.toString();
    return `/login/second-factor${search ? `?${search}` : ''}`;
  }

  /** No pending sign-in (expired, from another browser, tampered): sign in again. */
  private startOver(reply: FastifyReply, interaction?: string): void {
    seeOther(
      reply,
      interaction
        ? `/login?interaction=${encodeURIComponent(interaction)}&error=expired`
        : '/login?error=expired',
    );
  }

  private get secure(): boolean {
    return this.config.issuer.startsWith('https:');
  }
}
