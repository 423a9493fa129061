import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditContext } from '../../events/audit-context';
import { AuditLog } from '../../events/audit-log.service';
import { isUniqueViolation } from '../../database/unique-violation';
import { IdentityProvider } from '../../identity-providers/identity-provider';
import { IdentityProvidersService } from '../../identity-providers/identity-providers.service';
import { UpstreamLinks } from '../../identity-providers/upstream-links.service';
import { User } from '../../users/user';
import { UsersService } from '../../users/users.service';
import { LoginThrottle } from '../login-throttle.service';
import { LinkOffer, UpstreamPending } from './upstream-pending.service';
import { UpstreamFinish, UpstreamSignIn } from './upstream-sign-in.service';

/** The link page as a person sees it: whose account, through which provider. */
export interface LinkOfferView {
  providerName: string;
  username: string;
}

export interface LinkRequest {
  offerCookie: string | undefined;
  password: string | undefined;
  csrfValid: boolean;
  ip: string;
  audit: AuditContext;
}

export type LinkOutcome =
  UpstreamFinish | { kind: 'retry'; error: 'csrf' | 'invalid' | 'throttled'; wait?: number };

/**
 * Account linking by verified email, only once the person proves both sides: the upstream said
 * the email is verified (the offer exists only then), and the person now enters the password of
 * the local account that has it. Wrong passwords count in the login throttle like any sign-in
 * (docs/security/guessing.md).
 */
@Injectable()
export class UpstreamAccountLink {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pending: UpstreamPending,
    private readonly providers: IdentityProvidersService,
    private readonly links: UpstreamLinks,
    private readonly users: UsersService,
    private readonly throttle: LoginThrottle,
    private readonly signIn: UpstreamSignIn,
    private readonly audit: AuditLog,
  ) {}

  /** What the link page shows, or null when there is no live offer for this browser. */
  async view(offerCookie: string | undefined): Promise<LinkOfferView | null> {
    const offer = await this.pending.findOffer(offerCookie);
    if (!offer) return null;
    const [user, provider] = await Promise.all([
      this.users.findActive(offer.userId),
      this.providerOf(offer),
    ]);
    return user && provider ? { providerName: provider.name, username: user.username } : null;
  }

  async link(request: LinkRequest): Promise<LinkOutcome> {
    const { audit, ip } = request;
    const offer = await this.pending.findOffer(request.offerCookie);
    const provider = offer ? await this.providerOf(offer) : null;
    if (!offer || !provider) {
      await this.signIn.failed(audit, undefined, 'no_pending_sign_in');
      return { kind: 'refused', reason: 'no_pending_sign_in' };
    }
    const alias = provider.alias;
    if (provider.status !== 'active') {
      await this.signIn.failed(audit, alias, 'provider_disabled');
      return { kind: 'refused', reason: 'provider_disabled' };
    }
    if (!request.csrfValid) {
      await this.signIn.failed(audit, alias, 'csrf');
      return { kind: 'retry', error: 'csrf' };
    }
    const user = await this.users.findActive(offer.userId);
    if (!user) {
      await this.signIn.failed(audit, alias, 'account_inactive');
      return { kind: 'refused', reason: 'account_inactive' };
    }
    const wait = await this.throttle.retryAfter(user.username, ip);
    if (wait > 0) {
      await this.signIn.failed(audit, alias, 'throttled');
      return { kind: 'retry', error: 'throttled', wait };
    }
    const proven = await this.passwordOf(user, request.password, ip);
    if (!proven) {
      await this.throttle.recordFailure(user.username, ip);
      await this.signIn.failed(audit, alias, 'invalid_password');
      return { kind: 'retry', error: 'invalid' };
    }
    await this.throttle.recordSuccess(user.username);
    // Single use: of two requests with the right password, one links.
    if (!(await this.pending.withdrawOffer(request.offerCookie))) {
      await this.signIn.failed(audit, alias, 'no_pending_sign_in');
      return { kind: 'refused', reason: 'no_pending_sign_in' };
    }
    try {
      await this.dataSource.transaction(async (manager) => {
        await this.links.link(manager, offer, user.id);
        await this.audit.record(
          {
            ...audit,
            actor: { type: 'user', id: user.id },
            type: 'upstream.linked',
            target: { type: 'user', id: user.id },
            details: { provider: alias, issuer: offer.issuer, how: 'password' },
          },
          manager,
        );
      });
    } catch (error) {
      // The same upstream identity was linked meanwhile (by another browser): nothing changes.
      if (!isUniqueViolation(error)) throw error;
      await this.signIn.failed(audit, alias, 'already_linked');
      return { kind: 'refused', reason: 'no_pending_sign_in' };
    }
    return this.signIn.signIn(user.id, offer.amr, offer.interaction, audit, alias);
  }

  /** The password check of the login form: same bcrypt budget, same answer for every failure. */
  private async passwordOf(user: User, password: string | undefined, ip: string): Promise<boolean> {
    if (!password || password.length > 1024) return false;
    const verified = await this.users.verifyPassword(user.username, password, ip);
    return verified?.id === user.id;
  }

  private providerOf(offer: LinkOffer): Promise<IdentityProvider | null> {
    return this.providers.byId(offer.providerId);
  }
}
