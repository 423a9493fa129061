import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { errors } from 'jose';
import { DataSource, EntityManager } from 'typeorm';
import { Client } from '../clients/client';
import { InvalidRequestError, UnauthorizedClientError } from '../common/oauth-error';
import { AppConfig } from '../config/app-config';
import { JwtService } from '../crypto/jwt.service';
import { AuditContext } from '../events/audit-context';
import { AuditEntry, AuditLog } from '../events/audit-log.service';
import { ACCESS_TOKEN_TYPE } from './access-token.issuer';
import { tokenKind } from './introspection.policy';
import { RefreshTokensService } from './refresh-tokens.service';
import { RevocationList, RevokedToken } from './revocation-list.service';
import { param, TokenParams } from './token-params';
import { GatehouseError } from '../common/errors';

/** The audit target of a revocation: an access token's jti or a refresh token family's id. */
type Target = NonNullable<AuditEntry['target']>;

/** RFC 7009 §2.1: the caller may revoke only tokens issued to it. */
function notYours(): GatehouseError {
  return new UnauthorizedClientError('the token was not issued to this client');
}

/**
 * RFC 7009 token revocation. A refresh token ends its whole family and the access tokens issued
 * in it (§2.1 SHOULD); an access token is revoked by `jti` until it expires. An unknown, invalid
 * or expired token needs no work and is a success (§2.2). Revocations are stored in one
 * transaction with their audit event and announced to every process after the commit; a storage
 * failure propagates (a 503, never a 200 for a revocation that did not happen).
 */
@Injectable()
export class RevocationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jwt: JwtService,
    private readonly refreshTokens: RefreshTokensService,
    private readonly revocations: RevocationList,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
  ) {}

  async revoke(caller: Client, params: TokenParams, context: AuditContext): Promise<void> {
    const token = param(params, 'token');
    if (!token) throw new InvalidRequestError('token is required');
    switch (tokenKind(token)) {
      case 'access_token':
        return this.revokeAccessToken(caller, token, context);
      case 'refresh_token':
        return this.revokeRefreshToken(caller, token, context);
    }
  }

  private async revokeAccessToken(
    caller: Client,
    token: string,
    context: AuditContext,
  ): Promise<void> {
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verify(token, {
        typ: ACCESS_TOKEN_TYPE,
        algorithms: [this.config.keys.accessTokenAlgorithm],
      });
    } catch (error) {
      // Not ours, tampered with or expired: nothing to revoke. Anything else (a key store that
      // cannot reach the database) is not a verdict on the token.
      if (error instanceof errors.JOSEError) return;
      throw error;
    }
    const { jti, exp, client_id: clientId } = claims;
    if (typeof jti !== 'string' || typeof exp !== 'number' || typeof clientId !== 'string') return;
    const target = { type: 'access_token', id: jti };
    if (clientId !== caller.clientId) {
      this.refused(target, context);
      throw notYours();
    }
    // Already revoked: nothing to record again (while the list is not known, record anyway).
    if (this.revocations.known && this.revocations.isRevoked(jti)) return;
    const revoked: RevokedToken[] = [{ jti, exp }];
    await this.dataSource.transaction(async (manager) => {
      await this.revocations.record(manager, revoked);
      await this.audit.record(this.entry(target, context, { token_type: 'access_token' }), manager);
    });
    this.revocations.announce(revoked);
  }

  private async revokeRefreshToken(
    caller: Client,
    token: string,
    context: AuditContext,
  ): Promise<void> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const row = await this.refreshTokens.findByToken(manager, token);
      if (!row) return { done: 'nothing' as const };
      const target = { type: 'refresh_token_family', id: row.familyId };
      if (row.clientId !== caller.clientId) return { done: 'refused' as const, target };
      // A revoked member means a revoked family: revokeFamilies ends every member at once.
      if (row.revokedAt) return { done: 'nothing' as const };
      await this.refreshTokens.lockFamily(manager, row.familyId);
      const revoked = await this.refreshTokens.revokeFamilies(manager, [row.familyId]);
      await this.revocations.record(manager, revoked);
      await this.audit.record(
        this.entry(target, context, {
          token_type: 'refresh_token',
          access_tokens_revoked: revoked.length,
        }),
        manager,
      );
      return { done: 'revoked' as const, revoked };
    });
    if (outcome.done === 'refused') {
      this.refused(outcome.target, context);
      throw notYours();
    }
    if (outcome.done === 'revoked') this.revocations.announce(outcome.revoked);
  }

  /**
   * Takes back what a grant issued, inside the caller's transaction: ends `families` (each of
   * their refresh tokens) and revokes the access tokens issued in them and `accessTokens`
   * besides, and stores those revocations with `audit`, when given, whose details gain the number
   * of access tokens revoked. Answers the revoked access tokens, for the caller to announce once
   * its transaction has committed (RevocationList.announce).
   *
   * The one sequence for a reused authorization code (RFC 6749 §4.1.2: revoke the tokens issued
   * from it), a reused refresh token (OAuth 2.0 Security BCP §4.14.2: revoke its family) and a
   * family whose user is no longer active.
   */
  async revokeIssued(
    manager: EntityManager,
    families: string[],
    { accessTokens = [], audit }: { accessTokens?: RevokedToken[]; audit?: AuditEntry } = {},
  ): Promise<RevokedToken[]> {
    const revoked = [
      ...(await this.refreshTokens.revokeFamilies(manager, families)),
      ...accessTokens,
    ];
    await this.revocations.record(manager, revoked);
    if (audit) {
      const count = new Set(revoked.map(({ jti }) => jti)).size;
      await this.audit.record(
        { ...audit, details: { ...audit.details, revoked_access_tokens: count } },
        manager,
      );
    }
    return revoked;
  }

  /** A client reaching for another client's token is worth an audit line; it changes nothing. */
  private refused(target: Target, context: AuditContext): void {
    this.audit.recordQuietly({
      ...this.entry(target, context, { reason: 'issued to another client' }),
      outcome: 'failure',
    });
  }

  private entry(
    target: Target,
    context: AuditContext,
    details: Record<string, unknown>,
  ): AuditEntry {
    return {
      type: 'token.revoked',
      actor: context.actor,
      target,
      ip: context.ip,
      userAgent: context.userAgent,
      details,
    };
  }
}
