import { Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { AppConfig } from '../../config/app-config';
import { constantTimeEquals } from '../../crypto/secret-hasher.service';
import { AuditContext } from '../../events/audit-context';
import { AuditLog } from '../../events/audit-log.service';
import { IdentityProvider, upstreamRedirectUri } from '../../identity-providers/identity-provider';
import { IdentityProvidersService } from '../../identity-providers/identity-providers.service';
import { UpstreamIdentity, UpstreamLinks } from '../../identity-providers/upstream-links.service';
import { UsersService } from '../../users/users.service';
import { SecondFactorGate } from '../second-factors/second-factor-gate.service';
import { SessionsService } from '../sessions.service';
import { federatedAmr, UpstreamClaims, upstreamEmail } from './federated-profile';
import { FederatedAccounts } from './federated-accounts.service';
import { UpstreamPending } from './upstream-pending.service';
import { UpstreamError, UpstreamFailure, UpstreamRelyingParty } from './upstream-relying-party';

/**
 * Why an upstream sign-in was refused, as the page and `upstream.failed` name it. Besides the
 * upstream's own failures: an unknown alias or a disabled provider, no live sign-in behind the
 * browser's cookie (missing, expired, reused, or another provider's), a `state` that is not the
 * one we sent, a linked account that is disabled, and a verified email that several local
 * accounts share.
 */
export type UpstreamRefusal =
  | UpstreamFailure
  | 'unknown_provider'
  | 'provider_disabled'
  | 'no_pending_sign_in'
  | 'state_mismatch'
  | 'account_inactive'
  | 'ambiguous_email'
  | 'username_unavailable';

export type UpstreamStart =
  | { kind: 'redirect'; location: string; cookie: string }
  | { kind: 'refused'; reason: UpstreamRefusal };

export type UpstreamFinish =
  | { kind: 'signed-in'; cookie: string; interaction: string | null }
  /** The person has a second factor here: the pending sign-in's cookie (docs/second-factors.md). */
  | { kind: 'second-factor'; pendingCookie: string }
  | { kind: 'link'; offerCookie: string }
  | { kind: 'refused'; reason: UpstreamRefusal };

/** The query of a callback (RFC 6749 §4.1.2): single string values only. */
export type CallbackQuery = Record<string, string>;

/**
 * Signing in with an upstream OpenID Provider (docs/identity-providers.md): start sends the
 * person there with state, nonce and PKCE held server-side; finish verifies the answer and
 * signs in the linked user, creates an account just in time, or offers to link the account
 * that has the upstream's verified email once its password is entered (never automatically).
 */
@Injectable()
export class UpstreamSignIn {
  private readonly logger = new Logger(UpstreamSignIn.name);

  constructor(
    private readonly providers: IdentityProvidersService,
    private readonly relyingParty: UpstreamRelyingParty,
    private readonly pending: UpstreamPending,
    private readonly links: UpstreamLinks,
    private readonly accounts: FederatedAccounts,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly gate: SecondFactorGate,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
  ) {}

  async start(
    alias: string,
    interaction: string | undefined,
    audit: AuditContext,
  ): Promise<UpstreamStart> {
    const provider = await this.usableProvider(alias, audit);
    if ('refused' in provider) return { kind: 'refused', reason: provider.refused };
    let configuration: oidc.Configuration;
    try {
      configuration = await this.relyingParty.configuration(provider);
    } catch (error) {
      return this.refuse(audit, provider.alias, error);
    }
    const checks = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
    };
    const location = this.relyingParty.authorizationUrl(
      configuration,
      provider,
      this.redirectUri(provider),
      { ...checks, codeChallenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier) },
    );
    const cookie = await this.pending.hold({
      ...checks,
      providerId: provider.id,
      interaction: interaction && /^[A-Za-z0-9_-]{16,64}$/.test(interaction) ? interaction : null,
    });
    return { kind: 'redirect', location: location.href, cookie };
  }

  async finish(
    alias: string,
    cookie: string | undefined,
    query: CallbackQuery,
    audit: AuditContext,
    source: string,
  ): Promise<UpstreamFinish> {
    const provider = await this.usableProvider(alias, audit);
    // Taken first whatever follows: a callback's sign-in is used up by its first answer.
    const pending = await this.pending.take(cookie);
    if ('refused' in provider) return { kind: 'refused', reason: provider.refused };
    if (!pending || pending.providerId !== provider.id)
      return this.refused(audit, alias, 'no_pending_sign_in');
    // RFC 6749 §10.12: the state we sent, to this browser. openid-client checks it again.
    if (query.state === undefined || !constantTimeEquals(query.state, pending.state))
      return this.refused(audit, alias, 'state_mismatch');

    let claims: UpstreamClaims;
    try {
      const configuration = await this.relyingParty.configuration(provider);
      const callback = new URL(this.redirectUri(provider));
      for (const [name, value] of Object.entries(query)) callback.searchParams.set(name, value);
      claims = await this.relyingParty.redeem(configuration, callback, pending);
    } catch (error) {
      return this.refuse(audit, alias, error);
    }
    const identity: UpstreamIdentity = {
      providerId: provider.id,
      issuer: claims.iss,
      subject: claims.sub,
    };
    const amr = federatedAmr(claims.amr);
    const linked = await this.links.userOf(identity);
    if (linked) return this.signIn(linked, amr, pending.interaction, audit, alias);

    const email = upstreamEmail(claims);
    const holders = email ? await this.users.findByEmail(email.email) : [];
    if (email?.verified && holders.length > 1) return this.refused(audit, alias, 'ambiguous_email');
    if (email?.verified && holders.length === 1) {
      const offerCookie = await this.pending.offer({
        ...identity,
        userId: holders[0].id,
        amr,
        interaction: pending.interaction,
      });
      await this.audit.record({
        ...audit,
        type: 'upstream.link_offered',
        target: { type: 'user', id: holders[0].id },
        details: { provider: alias, issuer: identity.issuer },
      });
      return { kind: 'link', offerCookie };
    }
    // An email the upstream did not verify is kept unverified, and only if no account has it:
    // it never reveals or reaches another account (docs/identity-providers.md).
    const keptEmail = email && holders.length === 0 ? email : null;
    const created = await this.accounts.create(
      { alias, identity, claims, email: keptEmail },
      audit,
      source,
    );
    if (typeof created === 'string') return this.refused(audit, alias, created);
    return this.signIn(created.id, amr, pending.interaction, audit, alias);
  }

  /**
   * Starts the session of a linked user, if the account may still sign in. A person with a
   * second factor here passes it first, whatever the upstream did: the upstream vouches for its
   * own account, not for this one's factor (docs/identity-providers.md, decision 0320).
   */
  async signIn(
    userId: string,
    amr: readonly string[],
    interaction: string | null,
    audit: AuditContext,
    alias: string,
  ): Promise<UpstreamFinish> {
    const user = await this.users.findActive(userId);
    if (!user) return this.refused(audit, alias, 'account_inactive');
    const pendingCookie = await this.gate.pendingFor(
      user.id,
      amr,
      interaction ?? undefined,
      { ...audit, actor: { type: 'user', id: user.id } },
      { provider: alias },
    );
    if (pendingCookie) return { kind: 'second-factor', pendingCookie };
    const cookie = await this.sessions.start(
      user.id,
      { ...audit, actor: { type: 'user', id: user.id } },
      amr,
    );
    return { kind: 'signed-in', cookie, interaction };
  }

  /** The provider an alias names, if it may be used now; else why not (recorded). */
  private async usableProvider(
    alias: string,
    audit: AuditContext,
  ): Promise<IdentityProvider | { refused: UpstreamRefusal }> {
    const provider = await this.providers.find(alias);
    if (!provider) {
      await this.failed(audit, undefined, 'unknown_provider');
      return { refused: 'unknown_provider' };
    }
    if (provider.status !== 'active') {
      await this.failed(audit, alias, 'provider_disabled');
      return { refused: 'provider_disabled' };
    }
    return provider;
  }

  private redirectUri(provider: IdentityProvider): string {
    return upstreamRedirectUri(this.config.issuer, provider.alias);
  }

  private async refuse(
    audit: AuditContext,
    alias: string,
    error: unknown,
  ): Promise<UpstreamFinish & { kind: 'refused' }> {
    if (!(error instanceof UpstreamError)) throw error;
    this.logger.warn(`upstream sign-in with ${alias} failed: ${error.message}`);
    await this.failed(audit, alias, error.failure, error.detail);
    return { kind: 'refused', reason: error.failure };
  }

  private async refused(
    audit: AuditContext,
    alias: string,
    reason: UpstreamRefusal,
  ): Promise<UpstreamFinish & { kind: 'refused' }> {
    await this.failed(audit, alias, reason);
    return { kind: 'refused', reason };
  }

  /** upstream.failed, by someone not signed in; its loss must not turn a refusal into an error. */
  async failed(
    audit: AuditContext,
    alias: string | undefined,
    reason: string,
    detail?: string,
  ): Promise<void> {
    await this.audit.recordSafely({
      ...audit,
      actor: { type: 'anonymous' },
      type: 'upstream.failed',
      outcome: 'failure',
      target: alias ? { type: 'identity_provider', id: alias } : undefined,
      details: { reason, ...(detail ? { detail: detail.slice(0, 100) } : {}) },
    });
  }
}
