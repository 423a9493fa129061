import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AuthorizationRequest } from './authorization-request';
import { AuthorizationCodesService } from './authorization-codes.service';
import { ConsentsService } from './consents.service';
import { InteractionsService } from './interactions.service';
import { ActiveSession } from './sessions.service';
import { Clock } from '../common/clock';
import { ACR_VALUES_SUPPORTED, meetsAcr } from './authentication-context';
import { MfaPolicy } from './second-factors/mfa-policy.service';
import { SecondFactorRegistry } from './second-factors/second-factor.registry';
import { awaitsEmailVerification } from './email-verification.gate';
import { isConsoleClient } from '../clients/console-client';

/**
 * Whether a client is Gatehouse's own and asks no consent (docs/decisions/0324): the console,
 * whose only redirect URI is on this issuer and whose client nobody may change through the admin
 * API. What it may be granted is still decided by the person's roles at /token. `prompt=consent`
 * still shows the page.
 */
export function skipsConsent(clientId: string): boolean {
  return isConsoleClient(clientId);
}

/** What the browser should do next for a pending authorization request. */
export type NextStep =
  | { kind: 'login'; interaction: string }
  /** A signed-in person must pass their second factor first (step-up). */
  | { kind: 'second-factor'; interaction: string }
  /** A signed-in person must enrol a second factor first (policy or acr_values). */
  | { kind: 'enrol'; interaction: string }
  | { kind: 'consent'; interaction: string }
  /** EMAIL_VERIFICATION=required and the person's address is not verified yet (docs/account.md). */
  | { kind: 'verify-email'; interaction: string }
  | { kind: 'redirect'; location: string };

/**
 * Drives an authorization request from /authorize through login and consent to the code
 * (RFC 6749 §4.1, OIDC Core §3.1.2). Every answer to the client goes to its verified redirect
 * URI with `state` and `iss` (RFC 9207).
 */
@Injectable()
export class AuthorizationService {
  constructor(
    private readonly interactions: InteractionsService,
    private readonly consents: ConsentsService,
    private readonly codes: AuthorizationCodesService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly policy: MfaPolicy,
    private readonly secondFactors: SecondFactorRegistry,
  ) {}

  /** Decides the next step; `interaction` is the pending request's id, if it has one yet. */
  async next(
    request: AuthorizationRequest,
    session: ActiveSession | null,
    interaction?: string,
  ): Promise<NextStep> {
    if (this.needsLogin(request, session)) {
      if (request.prompt.includes('none'))
        return this.error(request, 'login_required', 'the user is not signed in');
      return {
        kind: 'login',
        interaction: interaction ?? (await this.interactions.create(request)),
      };
    }
    const { user, authTime, amr } = session!;
    const stepUp = await this.secondFactor(request, session!);
    if (stepUp) {
      // OIDC Core §3.1.2.6: prompt=none cannot show the second-factor step.
      if (request.prompt.includes('none'))
        return this.error(request, 'interaction_required', 'a second factor is needed');
      return {
        kind: stepUp,
        interaction: interaction ?? (await this.interactions.create(request)),
      };
    }
    if (awaitsEmailVerification(this.config, user)) {
      // OIDC Core §3.1.2.6: the person must act before any code is issued.
      if (request.prompt.includes('none'))
        return this.error(request, 'interaction_required', 'the email address is not verified');
      return {
        kind: 'verify-email',
        interaction: interaction ?? (await this.interactions.create(request)),
      };
    }
    const consented =
      !request.prompt.includes('consent') &&
      (skipsConsent(request.clientId) ||
        (await this.consents.covers(user.id, request.clientId, request.scopes)));
    if (!consented) {
      if (request.prompt.includes('none'))
        return this.error(request, 'consent_required', 'consent is needed');
      return {
        kind: 'consent',
        interaction: interaction ?? (await this.interactions.create(request)),
      };
    }
    if (interaction) await this.interactions.finish(interaction);
    const code = await this.codes.issue(request, user.id, authTime, amr);
    return { kind: 'redirect', location: this.redirect(request, { code }) };
  }

  /** The user answered the consent page. */
  async decide(
    request: AuthorizationRequest,
    session: ActiveSession,
    interaction: string,
    allow: boolean,
  ): Promise<NextStep> {
    if (!allow) {
      await this.interactions.finish(interaction);
      return this.error(request, 'access_denied', 'the user denied the request');
    }
    await this.consents.remember(session.user.id, request.clientId, request.scopes);
    return this.next(
      { ...request, prompt: request.prompt.filter((p) => p !== 'consent') },
      session,
      interaction,
    );
  }

  error(
    request: Pick<AuthorizationRequest, 'redirectUri' | 'state'>,
    error: string,
    description: string,
  ): NextStep {
    return {
      kind: 'redirect',
      location: this.redirect(request, { error, error_description: description }),
    };
  }

  /** RFC 6749 §4.1.2 query response; RFC 9207 `iss` on success and error alike. */
  redirect(
    request: Pick<AuthorizationRequest, 'redirectUri' | 'state'>,
    values: Record<string, string>,
  ): string {
    const url = new URL(request.redirectUri);
    for (const [name, value] of Object.entries(values)) url.searchParams.set(name, value);
    if (request.state !== undefined) url.searchParams.set('state', request.state);
    url.searchParams.set('iss', this.config.issuer);
    return url.toString();
  }

  /**
   * Whether a password-only session must add a second factor before this request completes:
   * when the client asks for the MFA level with acr_values (OIDC Core §3.1.2.1; the lowest
   * level it accepts is above the session's) or the policy requires one. The person passes
   * theirs (`second-factor`), or enrols one if they have none (`enrol`).
   */
  private async secondFactor(
    request: AuthorizationRequest,
    session: ActiveSession,
  ): Promise<'second-factor' | 'enrol' | null> {
    if (session.amr.includes('mfa')) return null;
    const known = (request.acrValues ?? []).filter((acr) =>
      (ACR_VALUES_SUPPORTED as readonly string[]).includes(acr),
    );
    const askedByClient = known.length > 0 && !known.some((acr) => meetsAcr(session.amr, acr));
    const userId = session.user.id;
    if (!askedByClient && !(await this.policy.requires(userId, request.clientId))) return null;
    return (await this.secondFactors.hasAny(userId)) ? 'second-factor' : 'enrol';
  }

  private needsLogin(request: AuthorizationRequest, session: ActiveSession | null): boolean {
    if (!session) return true;
    const authTime = session.authTime.getTime();
    // A sign-in after this request arrived satisfies prompt=login and any max_age (else max_age=0
    // would send the user back to the login page forever).
    if (authTime >= request.requestedAt) return false;
    if (request.prompt.includes('login')) return true;
    // OIDC Core §3.1.2.1 max_age: the last sign-in is too old.
    return request.maxAge !== undefined && this.clock.now() - authTime > request.maxAge * 1000;
  }
}
