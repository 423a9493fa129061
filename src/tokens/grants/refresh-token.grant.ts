import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Client } from '../../clients/client';
import { InvalidGrantError, InvalidRequestError } from '../../common/oauth-error';
import { AppConfig } from '../../config/app-config';
import { AuditContext } from '../../events/audit-context';
import { UsersService } from '../../users/users.service';
import { RefreshTokensService } from '../refresh-tokens.service';
import { RevocationList } from '../revocation-list.service';
import { RevocationService } from '../revocation.service';
import { grantAudience, grantScopes } from '../scope.policy';
import { issuedBeforeCutoff } from '../token-cutoff';
import { param, params, TokenParams } from '../token-params';
import { GrantHandler, TokenResponse } from './grant-handler';
import { answerOf, GrantOutcome, inGrantTransaction, refused } from './grant-transaction';
import { DpopProof } from '../dpop/dpop-proof';
import { UserTokenIssuer } from './user-token.issuer';

/**
 * RFC 6749 §6 refresh with rotation: every use returns a new refresh token in the same family;
 * presenting a rotated one again revokes the family and its access tokens (OAuth 2.0 Security
 * BCP §4.14.2). Scope may narrow, never widen.
 *
 * The transaction commits whatever the refresh comes to, and only then does `handle` throw a
 * refusal: a family revoked for reuse, or for a user no longer active, stays revoked. Asking for
 * more scope than the family holds is thrown inside instead, rolling the rotation back, so it
 * does not use the refresh token up.
 */
@Injectable()
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = 'refresh_token' as const;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly refreshTokens: RefreshTokensService,
    private readonly users: UsersService,
    private readonly tokens: UserTokenIssuer,
    private readonly revocation: RevocationService,
    private readonly revocations: RevocationList,
    private readonly config: AppConfig,
  ) {}

  async handle(
    client: Client,
    request: TokenParams,
    context?: AuditContext,
    dpop?: DpopProof,
    x5t?: string,
  ): Promise<TokenResponse> {
    const token = param(request, 'refresh_token');
    if (!token) throw new InvalidRequestError('refresh_token is required');
    const requestedScope = param(request, 'scope');
    const audience = grantAudience(
      params(request, 'resource'),
      client.audience,
      this.config.issuer,
    );

    const outcome = await inGrantTransaction(this.dataSource, (manager) =>
      this.refresh(manager, client, { token, requestedScope, audience, dpop, x5t }, context),
    );
    // Committed: the token is rotated, and a revoked family stays revoked.
    return answerOf(outcome, this.revocations);
  }

  private async refresh(
    manager: EntityManager,
    client: Client,
    asked: {
      token: string;
      requestedScope?: string;
      audience: string[];
      dpop?: DpopProof;
      x5t?: string;
    },
    context: AuditContext | undefined,
  ): Promise<GrantOutcome> {
    const rotation = await this.refreshTokens.rotate(manager, asked.token, client.clientId);
    if (rotation.outcome === 'invalid') {
      return refused('the refresh token is invalid, expired or revoked');
    }
    const previous = rotation.previous;
    if (rotation.outcome === 'reused') {
      const revoked = await this.revocation.revokeIssued(manager, [previous.familyId], {
        audit: {
          ...context,
          actor: { type: 'client', id: client.clientId },
          type: 'refresh_token.reuse_detected',
          outcome: 'failure',
          target: { type: 'refresh_token_family', id: previous.familyId },
          details: { user_id: previous.userId },
        },
      });
      return {
        kind: 'revoked',
        error: new InvalidGrantError('the refresh token was already used'),
        revoked,
      };
    }
    // RFC 9449 §5: a family bound to a DPoP key is refreshed only with a proof by that key.
    // Thrown, so the rotation rolls back: a thief without the key does not burn the token.
    if (previous.dpopJkt && previous.dpopJkt !== asked.dpop?.jkt) {
      throw new InvalidGrantError(
        'the refresh token is bound to a DPoP key; send a proof signed with it',
      );
    }
    // RFC 8705 §4: a public client's family bound to a certificate is refreshed only with it.
    if (previous.x5tS256 && previous.x5tS256 !== asked.x5t) {
      throw new InvalidGrantError(
        'the refresh token is bound to a client certificate; present that certificate',
      );
    }
    // Thrown, so the rotation rolls back: asking for too much does not burn the token.
    const scopes = grantScopes(asked.requestedScope, previous.scopes);
    const user = await this.users.findActive(previous.userId, manager);
    // A disable of the user or client since the family began ends it, even once re-enabled.
    if (!user || issuedBeforeCutoff(previous.createdAt, client, user)) {
      const revoked = await this.revocation.revokeIssued(manager, [previous.familyId]);
      return {
        kind: 'revoked',
        error: new InvalidGrantError('the user is no longer active'),
        revoked,
      };
    }
    const { response } = await this.tokens.issue(manager, {
      client,
      user,
      scopes,
      audience: asked.audience,
      authTime: previous.authTime,
      amr: previous.amr,
      dpopJkt: asked.dpop?.jkt,
      x5t: asked.x5t,
      refresh: {
        familyId: previous.familyId,
        scopes: previous.scopes,
        expiresAt: previous.expiresAt,
        codeHash: previous.codeHash,
      },
    });
    return { kind: 'issued', response };
  }
}
