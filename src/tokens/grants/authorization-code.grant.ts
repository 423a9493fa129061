import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuthorizationCodesService } from '../../authorization/authorization-codes.service';
import { pkceVerifies } from '../../authorization/pkce';
import { Client } from '../../clients/client';
import { InvalidGrantError, InvalidRequestError } from '../../common/oauth-error';
import { AppConfig } from '../../config/app-config';
import { AuditContext } from '../../events/audit-context';
import { AuditLog } from '../../events/audit-log.service';
import { UsersService } from '../../users/users.service';
import { RefreshTokensService } from '../refresh-tokens.service';
import { RevocationList } from '../revocation-list.service';
import { grantAudience } from '../scope.policy';
import { issuedBeforeCutoff } from '../token-cutoff';
import { param, params, TokenParams } from '../token-params';
import { GrantHandler, TokenResponse } from './grant-handler';
import { GrantOutcome, runGrantTransaction } from './grant-transaction';
import { UserTokenIssuer } from './user-token.issuer';

/**
 * RFC 6749 §4.1.3 code exchange. Redeeming the code and issuing its tokens is one transaction;
 * a replayed code is `invalid_grant` and revokes every token issued from it (RFC 6749 §4.1.2).
 */
@Injectable()
export class AuthorizationCodeGrant implements GrantHandler {
  readonly grantType = 'authorization_code' as const;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly codes: AuthorizationCodesService,
    private readonly users: UsersService,
    private readonly tokens: UserTokenIssuer,
    private readonly refreshTokens: RefreshTokensService,
    private readonly revocations: RevocationList,
    private readonly config: AppConfig,
    private readonly audit: AuditLog,
  ) {}

  async handle(
    client: Client,
    request: TokenParams,
    context?: AuditContext,
  ): Promise<TokenResponse> {
    const code = param(request, 'code');
    if (!code) throw new InvalidRequestError('code is required');
    const redirectUri = param(request, 'redirect_uri');
    const verifier = param(request, 'code_verifier');
    const audience = grantAudience(
      params(request, 'resource'),
      client.audience,
      this.config.issuer,
    );

    // Errors are returned, not thrown, so the code stays burned: a failed attempt uses it up.
    return runGrantTransaction(
      this.dataSource,
      this.revocations,
      async (manager): Promise<GrantOutcome> => {
        const redemption = await this.codes.redeem(manager, code, client.clientId);
        if (redemption.outcome === 'invalid') {
          return {
            error: new InvalidGrantError(
              "the authorization code is invalid, expired or not this client's",
            ),
          };
        }
        if (redemption.outcome === 'reused') {
          const stored = redemption.code;
          const families = await this.refreshTokens.familiesFromCode(manager, stored.codeHash);
          const revoked = await this.refreshTokens.revokeFamilies(manager, families);
          if (stored.accessTokenJti && stored.accessTokenExpiresAt) {
            revoked.push({
              jti: stored.accessTokenJti,
              exp: Math.floor(stored.accessTokenExpiresAt.getTime() / 1000),
            });
          }
          await this.revocations.record(manager, revoked);
          await this.audit.record(
            {
              ...context,
              actor: { type: 'client', id: client.clientId },
              type: 'authorization_code.reuse_detected',
              outcome: 'failure',
              target: { type: 'user', id: stored.userId },
              details: {
                revoked_refresh_token_families: families.length,
                revoked_access_tokens: new Set(revoked.map(({ jti }) => jti)).size,
              },
            },
            manager,
          );
          return {
            error: new InvalidGrantError('the authorization code was already used'),
            revoked,
          };
        }
        const stored = redemption.code;
        if (
          stored.redirectUriGiven
            ? redirectUri !== stored.redirectUri
            : redirectUri !== undefined && redirectUri !== stored.redirectUri
        ) {
          return {
            error: new InvalidGrantError('redirect_uri does not match the authorization request'),
          };
        }
        // RFC 7636 §4.6; a verifier without a challenge is refused too (RFC 9700 §2.1.1).
        if (
          stored.codeChallenge
            ? !verifier || !pkceVerifies(verifier, stored.codeChallenge)
            : verifier !== undefined
        ) {
          return {
            error: new InvalidGrantError('the code_verifier does not match the code_challenge'),
          };
        }
        const user = await this.users.findActive(stored.userId, manager);
        if (!user) return { error: new InvalidGrantError('the user is no longer active') };
        if (issuedBeforeCutoff(stored.createdAt, client, user)) {
          return {
            error: new InvalidGrantError('the authorization code was issued before a disable'),
          };
        }

        const { response, access } = await this.tokens.issue(manager, {
          client,
          user,
          scopes: stored.scopes,
          audience,
          authTime: stored.authTime,
          nonce: stored.nonce,
          refresh: this.tokens.offersRefresh(client, stored.scopes)
            ? {
                scopes: stored.scopes,
                expiresAt: this.tokens.familyExpiry(client),
                codeHash: stored.codeHash,
              }
            : undefined,
        });
        await this.codes.recordAccessToken(
          manager,
          stored,
          access.jti,
          new Date(access.exp * 1000),
        );
        return { response };
      },
    );
  }
}
