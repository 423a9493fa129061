import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorShape } from '../../common/error-response';
import { AppConfig } from '../../config/app-config';
import { RateLimitUnavailableError } from '../../rate-limit/rate-limit.errors';
import { csrfToken, csrfValid } from '../csrf';
import { formField } from '../form';
import { InteractionsService } from '../interactions.service';
import { PAGE_HEADERS, seeOther, sendPage, sendUnavailablePage } from '../page-response';
import { ActiveSession, SESSION_COOKIE, SessionsService } from '../sessions.service';
import { SecondFactorRegistry } from './second-factor.registry';
import { recoveryCodesPage, securityPage } from './second-factor.pages';
import { RecentSignIn } from './recent-sign-in.service';
import { SecondFactorEnrolment } from './second-factor-enrolment.service';
import { afterSignIn } from './second-factor.controller';

/** `/account/security`: the person's second factors (docs/second-factors.md). */
@ApiExcludeController()
@ErrorShape('page')
@Controller('account/security')
export class AccountSecurityController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly enrolment: SecondFactorEnrolment,
    private readonly interactions: InteractionsService,
    private readonly registry: SecondFactorRegistry,
    private readonly config: AppConfig,
    private readonly recentSignIn: RecentSignIn,
  ) {}

  @Get()
  async page(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const interaction = await this.knownInteraction(formField(query, 'interaction'));
    const session = await this.session(request);
    if (!session) return this.signIn(reply, interaction);
    const userId = session.user.id;
    const state = await this.enrolment.state(userId, session.user.username);
    const csrf = csrfToken(request, reply, this.secure);
    const recent = await this.recentSignIn.allows(session);
    const sections = await this.registry.accountSections({ csrf, userId, recent, interaction });
    sendPage(
      reply,
      200,
      securityPage({
        csrf,
        username: session.user.username,
        ...state,
        recent,
        interaction,
        // An authorization waits here only when the policy or the client asked for a second
        // factor and the person has none (AuthorizationService: the `enrol` step).
        required: !!interaction && !(await this.registry.hasAny(userId)),
        error: formField(query, 'error'),
        notice:
          formField(query, 'done') === 'removed' ? 'The authenticator app was removed.' : undefined,
        sections,
      }),
    );
  }

  /** Begins a TOTP enrolment (a new seed, shown on the page until confirmed). */
  @Post('totp')
  async begin(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const checked = await this.checkForm(request, reply);
    if (!checked) return;
    await this.enrolment.begin(checked.session.user.id);
    seeOther(reply, this.path(checked.interaction));
  }

  /** Confirms the enrolment with a first code; answers with the new recovery codes, once. */
  @Post('totp/confirm')
  async confirm(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const checked = await this.checkForm(request, reply);
    if (!checked) return;
    const { session, interaction, form } = checked;
    try {
      const outcome = await this.enrolment.confirm(session, formField(form, 'otp') ?? '', request);
      if (outcome.kind === 'refused') {
        return seeOther(reply, this.path(interaction, outcome.error));
      }
      // The person just proved the new factor: the session steps up to it (RFC 8176 `mfa`).
      await this.enrolment.upgradeSession(session, ['otp'], request, reply);
      this.sendCodes(
        reply,
        outcome.codes,
        'Authenticator app added',
        afterSignIn(interaction, 'security'),
      );
    } catch (error) {
      if (!(error instanceof RateLimitUnavailableError)) throw error;
      sendUnavailablePage(reply);
    }
  }

  @Post('totp/remove')
  async remove(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const checked = await this.checkForm(request, reply);
    if (!checked) return;
    await this.enrolment.remove(checked.session.user.id, request);
    seeOther(
      reply,
      `${this.path(checked.interaction)}${checked.interaction ? '&' : '?'}done=removed`,
    );
  }

  /** New recovery codes replace the old ones; answered with them, once. */
  @Post('recovery-codes')
  async regenerate(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const checked = await this.checkForm(request, reply);
    if (!checked) return;
    const codes = await this.enrolment.regenerateRecoveryCodes(checked.session.user.id, request);
    if (!codes) return seeOther(reply, this.path(checked.interaction));
    this.sendCodes(reply, codes, 'New recovery codes', this.path(checked.interaction));
  }

  /**
   * Codes shown once cannot survive a redirect without being stored in the clear, so this
   * answer to a POST is the page itself (no-store), not a 303 (docs/second-factors.md).
   */
  private sendCodes(reply: FastifyReply, codes: string[], heading: string, next: string): void {
    void reply.status(200).headers(PAGE_HEADERS).send(recoveryCodesPage({ codes, heading, next }));
  }

  /** CSRF, a session, and a recent sign-in; else the answer is sent and null returned. */
  private async checkForm(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{
    session: ActiveSession;
    interaction?: string;
    form: Record<string, unknown>;
  } | null> {
    const form = (request.body ?? {}) as Record<string, unknown>;
    const interaction = await this.knownInteraction(formField(form, 'interaction'));
    const session = await this.session(request);
    if (!session) {
      this.signIn(reply, interaction);
      return null;
    }
    if (!csrfValid(request, formField(form, 'csrf_token'))) {
      seeOther(reply, this.path(interaction, 'csrf'));
      return null;
    }
    if (!(await this.recentSignIn.allows(session))) {
      seeOther(reply, this.path(interaction, 'reauth'));
      return null;
    }
    return { session, interaction, form };
  }

  private session(request: FastifyRequest): Promise<ActiveSession | null> {
    return this.sessions.find(request.cookies[SESSION_COOKIE]);
  }

  /** An interaction id only if it names a pending authorization request. */
  private async knownInteraction(interaction: string | undefined): Promise<string | undefined> {
    return interaction && (await this.interactions.find(interaction)) ? interaction : undefined;
  }

  private path(interaction?: string, error?: string): string {
    const params = new URLSearchParams();
    if (interaction) params.set('interaction', interaction);
    if (error) params.set('error', error);
    const search = params.toString();
    return `/account/security${search ? `?${search}` : ''}`;
  }

  private signIn(reply: FastifyReply, interaction?: string): void {
    seeOther(
      reply,
      interaction
        ? `/login?interaction=${encodeURIComponent(interaction)}`
        : '/login?then=security',
    );
  }

  private get secure(): boolean {
    return this.config.issuer.startsWith('https:');
  }
}
