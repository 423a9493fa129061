import { Injectable } from '@nestjs/common';
import { Client } from '../../clients/client';
import { SubjectPermissions } from '../../common/auth/subject-permissions';
import { AppConfig } from '../../config/app-config';
import { grantableScopes } from '../held-permissions';
import { AccessTokenIssuer } from '../access-token.issuer';
import { grantAudience, grantScopes } from '../scope.policy';
import { param, params, TokenParams } from '../token-params';
import { DpopProof } from '../dpop/dpop-proof';
import { AuditContext } from '../../events/audit-context';
import { GrantHandler, TokenResponse } from './grant-handler';

/**
 * RFC 6749 §4.4 client credentials: the client acts for itself, so `sub` is its client_id
 * (RFC 9068 §2.2) and no refresh token is issued (§4.4.3).
 */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = 'client_credentials' as const;

  constructor(
    private readonly issuer: AccessTokenIssuer,
    private readonly config: AppConfig,
    private readonly permissions: SubjectPermissions,
  ) {}

  async handle(
    client: Client,
    request: TokenParams,
    _context?: AuditContext,
    dpop?: DpopProof,
    x5t?: string,
  ): Promise<TokenResponse> {
    const scopes = grantableScopes(
      grantScopes(param(request, 'scope'), client.scopes),
      client.scopes,
      { type: 'client', id: client.clientId },
      this.permissions,
    );
    const audience = grantAudience(
      params(request, 'resource'),
      client.audience,
      this.config.issuer,
    );
    const { token, expiresIn } = await this.issuer.issue({
      client,
      subject: client.clientId,
      scopes,
      audience,
      jkt: dpop?.jkt,
      x5t,
    });
    return {
      access_token: token,
      token_type: dpop ? 'DPoP' : 'Bearer',
      expires_in: expiresIn,
      scope: scopes.join(' '),
    };
  }
}
