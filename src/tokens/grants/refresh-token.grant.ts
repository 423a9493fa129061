import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Client } from '../../clients/client';
import { InvalidGrantError, InvalidRequestError } from '../../common/oauth-error';
import { AppConfig } from '../../config/app-config';
import { AuditContext } from '../../events/audit-context';
import { AuditLog } from '../../events/audit-log.service';
import { UsersService } from '../../users/users.service';
import { RefreshTokensService } from '../refresh-tokens.service';
import { RevocationList } from '../revocation-list.service';
import { grantAudience, grantScopes } from '../scope.policy';
import { issuedBeforeCutoff } from '../token-cutoff';
import { param, params, TokenParams } from '../token-params';
import { GrantHandler, TokenResponse } from './grant-handler';
import { GrantOutcome, runGrantTransaction } from './grant-transaction';
import { UserTokenIssuer } from './user-token.issuer';

/**
 * RFC 6749 §6 refresh with rotation: every use returns a new refresh token in the same family;
 * presenting a rotated one again revokes the family and its access tokens (OAuth 2.0 Security
 * BCP §4.14.2). Scope may narrow, never widen.
 */
@Injectable()
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = 'refresh_token' as const;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly refreshTokens: RefreshTokensService,
    private readonly users: UsersService,
    private readonly tokens: UserTokenIssuer,
    private readonly revocations: RevocationList,
    private readonly config: AppConfig,
    private readonly audit: AuditLog,
  ) {}

  async handle(
    client: Client,
    request: TokenParams,
    context?: AuditContext,
  ): Promise<TokenResponse> {
    const token = param(request, 'refresh_token');
    if (!token) throw new InvalidRequestError('refresh_token is required');
    const requestedScope = param(request, 'scope');
    const audience = grantAudience(
      params(request, 'resource'),
      client.audience,
      this.config.issuer,
    );

    return runGrantTransaction(
      this.dataSource,
      this.revocations,
      async (manager): Promise<GrantOutcome> => {
        const rotation = await this.refreshTokens.rotate(manager, token, client.clientId);
        if (rotation.outcome === 'invalid') {
          return {
            error: new InvalidGrantError('the refresh token is invalid, expired or revoked'),
          };
        }
        const previous = rotation.previous;
        if (rotation.outcome === 'reused') {
          const revoked = await this.refreshTokens.revokeFamilies(manager, [previous.familyId]);
          await this.revocations.record(manager, revoked);
          await this.audit.record(
            {
              ...context,
              actor: { type: 'client', id: client.clientId },
              type: 'refresh_token.reuse_detected',
              outcome: 'failure',
              target: { type: 'refresh_token_family', id: previous.familyId },
              details: {
                user_id: previous.userId,
                revoked_access_tokens: new Set(revoked.map(({ jti }) => jti)).size,
              },
            },
            manager,
          );
          return { error: new InvalidGrantError('the refresh token was already used'), revoked };
        }
        // Thrown, so the rotation rolls back: asking for too much does not burn the token.
        const scopes = grantScopes(requestedScope, previous.scopes);
        const user = await this.users.findActive(previous.userId, manager);
        // A disable of the user or client since the family began ends it, even once re-enabled.
        if (!user || issuedBeforeCutoff(previous.createdAt, client, user)) {
          const revoked = await this.refreshTokens.revokeFamilies(manager, [previous.familyId]);
          await this.revocations.record(manager, revoked);
          return { error: new InvalidGrantError('the user is no longer active'), revoked };
        }
        const { response } = await this.tokens.issue(manager, {
          client,
          user,
          scopes,
          audience,
          authTime: previous.authTime,
          refresh: {
            familyId: previous.familyId,
            scopes: previous.scopes,
            expiresAt: previous.expiresAt,
            codeHash: previous.codeHash,
          },
        });
        return { response };
      },
    );
  }
}
