import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Client } from '../../clients/client';
import { Clock } from '../../common/clock';
import { SubjectPermissions } from '../../common/auth/subject-permissions';
import { AppConfig } from '../../config/app-config';
import { grantableScopes } from '../held-permissions';
import { User } from '../../users/user';
import { AccessTokenIssuer } from '../access-token.issuer';
import { IdTokenIssuer } from '../id-token.issuer';
import { RefreshTokensService } from '../refresh-tokens.service';
import { RevokedToken } from '../revocation-list.service';
import { TokenResponse } from './grant-handler';

export interface UserGrant {
  client: Client;
  user: User;
  /** Scopes asked for this access token; cut to what client and user may have now. */
  scopes: string[];
  audience: string[];
  authTime: Date;
  /** RFC 8176 `amr` of the sign-in behind the grant. */
  amr: readonly string[];
  nonce?: string | null;
  /** RFC 9449: the request's DPoP key; the access token is bound to it (`cnf.jkt`). */
  dpopJkt?: string;
  /** RFC 8705 §3: the client certificate's thumbprint; the access token is bound to it. */
  x5t?: string;
  /** A refresh token to issue alongside, or none. */
  refresh?: {
    familyId?: string;
    /**
     * The family's scopes, as consented: a narrowed request keeps them (RFC 6749 §6), and each
     * grant from the family is cut to what client and user may have at that moment.
     */
    scopes: string[];
    expiresAt: Date;
    codeHash?: string | null;
  };
}

/**
 * RFC 9449 §5: a public client's refresh tokens are bound to the DPoP key they were issued with;
 * a confidential client's are not (its authentication already binds them).
 */
export function refreshBinding(client: Client, dpopJkt: string | undefined): string | null {
  return client.clientType === 'public' && dpopJkt ? dpopJkt : null;
}

/** The tokens a user grant ends in: access token, ID token for `openid`, refresh token. */
@Injectable()
export class UserTokenIssuer {
  constructor(
    private readonly accessTokens: AccessTokenIssuer,
    private readonly idTokens: IdTokenIssuer,
    private readonly refreshTokens: RefreshTokensService,
    private readonly config: AppConfig,
    private readonly permissions: SubjectPermissions,
    private readonly clock: Clock,
  ) {}

  /** Whether this grant earns a refresh token (the grant is allowed, and offline_access given). */
  offersRefresh(client: Client, scopes: string[]): boolean {
    return (
      client.grantTypes.includes('refresh_token') &&
      (scopes.includes('offline_access') || client.alwaysIssueRefreshToken)
    );
  }

  /** Absolute end of a new family: the client's refresh_token_lifetime, else the default. */
  familyExpiry(client: Client): Date {
    const seconds = client.refreshTokenLifetime ?? this.config.tokens.refreshTokenLifetime;
    return new Date(this.clock.now() + seconds * 1000);
  }

  async issue(
    manager: EntityManager,
    request: UserGrant,
  ): Promise<{ response: TokenResponse; access: RevokedToken }> {
    // Every user grant (code, refresh) is cut back here to what the client is registered for
    // and the user holds now (docs/security/privilege.md).
    const allowed = (scopes: string[]) =>
      grantableScopes(
        scopes,
        request.client.scopes,
        { type: 'user', id: request.user.id },
        this.permissions,
      );
    const grant = { ...request, scopes: allowed(request.scopes) };
    const { token, jti, expiresIn } = await this.accessTokens.issue({
      client: grant.client,
      subject: grant.user.id,
      scopes: grant.scopes,
      audience: grant.audience,
      user: grant.user,
      jkt: grant.dpopJkt,
      x5t: grant.x5t,
    });
    const access = { jti, exp: Math.floor(this.clock.now() / 1000) + expiresIn };
    const response: TokenResponse = {
      access_token: token,
      token_type: grant.dpopJkt ? 'DPoP' : 'Bearer',
      expires_in: expiresIn,
      scope: grant.scopes.join(' '),
    };
    if (grant.refresh) {
      response.refresh_token = await this.refreshTokens.issue(manager, {
        clientId: grant.client.clientId,
        userId: grant.user.id,
        scopes: grant.refresh.scopes,
        authTime: grant.authTime,
        amr: grant.amr,
        expiresAt: grant.refresh.expiresAt,
        idleLifetimeSeconds: this.config.tokens.refreshTokenIdleLifetime,
        familyId: grant.refresh.familyId,
        codeHash: grant.refresh.codeHash,
        dpopJkt: refreshBinding(grant.client, grant.dpopJkt),
        // RFC 8705 §4: likewise to the certificate; a confidential client's are not bound.
        x5tS256: refreshBinding(grant.client, grant.x5t),
        accessToken: access,
      });
    }
    if (grant.scopes.includes('openid')) {
      response.id_token = await this.idTokens.issue({
        client: grant.client,
        user: grant.user,
        scopes: grant.scopes,
        authTime: grant.authTime,
        amr: grant.amr,
        nonce: grant.nonce,
        accessToken: token,
      });
    }
    return { response, access };
  }
}
