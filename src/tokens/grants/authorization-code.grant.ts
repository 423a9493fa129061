import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuthorizationCodesService } from '../../authorization/authorization-codes.service';
import { pkceVerifies } from '../../authorization/pkce';
import { Client } from '../../clients/client';
import { InvalidGrantError, InvalidRequestError } from '../../common/oauth-error';
import { AppConfig } from '../../config/app-config';
import { AuditContext } from '../../events/audit-context';
import { RefreshTokensService } from '../refresh-tokens.service';
import { RevocationList } from '../revocation-list.service';
import { RevocationService } from '../revocation.service';
import { grantAudience } from '../scope.policy';
import { issuedBeforeCutoff } from '../token-cutoff';
import { param, params, TokenParams } from '../token-params';
import { UsersService } from '../../users/users.service';
import { GrantHandler, TokenResponse } from './grant-handler';
import { answerOf, GrantOutcome, inGrantTransaction, refused } from './grant-transaction';
import { DpopProof } from '../dpop/dpop-proof';
import { UserTokenIssuer } from './user-token.issuer';

/** What the token request says about the code it presents. */
interface CodeExchange {
  code: string;
  redirectUri?: string;
  verifier?: string;
  audience: string[];
  dpopJkt?: string;
  /** RFC 8705 §3: the client certificate's thumbprint the tokens are bound to. */
  x5t?: string;
}

/**
 * RFC 6749 §4.1.3 code exchange, in one transaction: redeem the code, check it against the
 * request, issue its tokens.
 *
 * The transaction commits whatever the exchange comes to, and only then does `handle` throw a
 * refusal: a code is used up by its first attempt, right or wrong (RFC 6749 §4.1.2: it may be
 * used once), and a code presented again revokes every token issued from it, which must stick
 * however the request ends. Only a failure (storage, a race) rolls the transaction back.
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
    const code = param(request, 'code');
    if (!code) throw new InvalidRequestError('code is required');
    const exchange: CodeExchange = {
      code,
      redirectUri: param(request, 'redirect_uri'),
      verifier: param(request, 'code_verifier'),
      audience: grantAudience(params(request, 'resource'), client.audience, this.config.issuer),
      dpopJkt: dpop?.jkt,
      x5t,
    };

    const outcome = await inGrantTransaction(this.dataSource, (manager) =>
      this.exchange(manager, client, exchange, context),
    );
    // Committed: the code is used up, and a reuse's revocations are stored.
    return answerOf(outcome, this.revocations);
  }

  private async exchange(
    manager: EntityManager,
    client: Client,
    { code, redirectUri, verifier, audience, dpopJkt, x5t }: CodeExchange,
    context: AuditContext | undefined,
  ): Promise<GrantOutcome> {
    const redemption = await this.codes.redeem(manager, code, client.clientId);
    if (redemption.outcome === 'invalid') {
      return refused("the authorization code is invalid, expired or not this client's");
    }
    const stored = redemption.code;
    if (redemption.outcome === 'reused') {
      // RFC 6749 §4.1.2: the refresh token families begun with the code, and the access token
      // it was exchanged for when no refresh token came with it.
      const families = await this.refreshTokens.familiesFromCode(manager, stored.codeHash);
      const revoked = await this.revocation.revokeIssued(manager, families, {
        accessTokens:
          stored.accessTokenJti && stored.accessTokenExpiresAt
            ? [
                {
                  jti: stored.accessTokenJti,
                  exp: Math.floor(stored.accessTokenExpiresAt.getTime() / 1000),
                },
              ]
            : [],
        audit: {
          ...context,
          actor: { type: 'client', id: client.clientId },
          type: 'authorization_code.reuse_detected',
          outcome: 'failure',
          target: { type: 'user', id: stored.userId },
          details: { revoked_refresh_token_families: families.length },
        },
      });
      return {
        kind: 'revoked',
        error: new InvalidGrantError('the authorization code was already used'),
        revoked,
      };
    }

    // RFC 9449 §10: a code bound to a DPoP key (dpop_jkt) is redeemed only with a proof by that
    // key. Thrown, so the redemption rolls back: a thief without the key does not burn the code.
    if (stored.dpopJkt && stored.dpopJkt !== dpopJkt) {
      throw new InvalidGrantError(
        'the authorization code is bound to a DPoP key (dpop_jkt); send a proof signed with it',
      );
    }
    if (
      stored.redirectUriGiven
        ? redirectUri !== stored.redirectUri
        : redirectUri !== undefined && redirectUri !== stored.redirectUri
    ) {
      return refused('redirect_uri does not match the authorization request');
    }
    // RFC 7636 §4.6; a verifier without a challenge is refused too (RFC 9700 §2.1.1).
    if (
      stored.codeChallenge
        ? !verifier || !pkceVerifies(verifier, stored.codeChallenge)
        : verifier !== undefined
    ) {
      return refused('the code_verifier does not match the code_challenge');
    }
    const user = await this.users.findActive(stored.userId, manager);
    if (!user) return refused('the user is no longer active');
    if (issuedBeforeCutoff(stored.createdAt, client, user)) {
      return refused('the authorization code was issued before a disable');
    }

    const { response, access } = await this.tokens.issue(manager, {
      client,
      user,
      scopes: stored.scopes,
      audience,
      authTime: stored.authTime,
      amr: stored.amr,
      nonce: stored.nonce,
      dpopJkt,
      x5t,
      refresh: this.tokens.offersRefresh(client, stored.scopes)
        ? {
            scopes: stored.scopes,
            expiresAt: this.tokens.familyExpiry(client),
            codeHash: stored.codeHash,
          }
        : undefined,
    });
    await this.codes.recordAccessToken(manager, stored, access.jti, new Date(access.exp * 1000));
    return { kind: 'issued', response };
  }
}
