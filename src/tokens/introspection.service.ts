import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { decodeJwt } from 'jose';
import { DataSource } from 'typeorm';
import { ClientDirectory } from '../clients/client-directory.service';
import { Client } from '../clients/client';
import { Clock } from '../common/clock';
import { InvalidClientError, InvalidRequestError, InvalidTokenError } from '../common/oauth-error';
import { AppConfig } from '../config/app-config';
import { UserDirectory } from '../users/user-directory.service';
import { AccessTokenVerifier } from './access-token.verifier';
import { mayIntrospect, tokenKind } from './introspection.policy';
import { RefreshTokensService } from './refresh-tokens.service';
import { asTokenHolder, tokenLiveness } from './token-liveness';
import { param, TokenParams } from './token-params';
import { boundJkt } from './dpop/dpop-proof';
import { boundThumbprint, X5T_S256 } from './certificate-binding';

/** RFC 7662 §2.2: what an inactive, unknown or foreign token answers, and nothing more. */
export interface InactiveToken {
  active: false;
}

/** RFC 7662 §2.2 for a live token: the claims that apply to its kind. */
export interface ActiveToken {
  active: true;
  scope: string;
  client_id: string;
  sub: string;
  aud?: string | string[];
  iss: string;
  exp: number;
  iat: number;
  jti?: string;
  token_type: 'Bearer' | 'DPoP' | 'refresh_token';
  /** RFC 9449 §6.2: the key a DPoP-bound access token is bound to. */
  /** RFC 8705 §3.2: the certificate a certificate-bound access token is bound to. */
  cnf?: { jkt?: string; 'x5t#S256'?: string };
}

export type IntrospectionResponse = InactiveToken | ActiveToken;

const INACTIVE: InactiveToken = { active: false };

/**
 * RFC 7662 token introspection. Access tokens are judged entirely in memory (signature, the
 * revocation list, the client and user directories); refresh tokens are looked up by hash. Both
 * are live or not by the one rule (token-liveness.ts).
 * Whatever is not active or not the caller's business is `{"active": false}` (§2.2, §4).
 */
@Injectable()
export class IntrospectionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly verifier: AccessTokenVerifier,
    private readonly refreshTokens: RefreshTokensService,
    private readonly clients: ClientDirectory,
    private readonly users: UserDirectory,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async introspect(caller: Client, params: TokenParams): Promise<IntrospectionResponse> {
    // RFC 7662 §2.1: the endpoint requires authentication; a public client has none to give.
    if (caller.tokenEndpointAuthMethod === 'none') {
      throw new InvalidClientError('public clients may not introspect tokens');
    }
    const token = param(params, 'token');
    if (!token) throw new InvalidRequestError('token is required');
    switch (tokenKind(token)) {
      case 'access_token':
        return this.accessToken(caller, token);
      case 'refresh_token':
        return this.refreshToken(caller, token);
      default:
        return INACTIVE;
    }
  }

  private async accessToken(caller: Client, token: string): Promise<IntrospectionResponse> {
    let scopes: string[];
    try {
      // The scopes that still hold: an `iam:*` scope no longer backed is not reported.
      scopes = (await this.verifier.verify(token)).scopes;
    } catch (error) {
      if (error instanceof InvalidTokenError) return INACTIVE;
      throw error;
    }
    // Verified above, so its claims can be read as they are.
    const claims = decodeJwt(token) as Record<string, unknown>;
    const clientId = claims.client_id as string;
    const aud = claims.aud as string | string[] | undefined;
    const jkt = boundJkt(claims);
    const x5t = boundThumbprint(claims);
    if (!mayIntrospect(caller, { clientId, aud }, this.config.issuer)) return INACTIVE;
    return {
      active: true,
      scope: scopes.join(' '),
      client_id: clientId,
      sub: claims.sub as string,
      aud,
      iss: claims.iss as string,
      exp: claims.exp as number,
      iat: claims.iat as number,
      jti: claims.jti as string,
      ...(jkt || x5t
        ? { cnf: { ...(jkt ? { jkt } : {}), ...(x5t ? { [X5T_S256]: x5t } : {}) } }
        : {}),
      token_type: jkt ? ('DPoP' as const) : ('Bearer' as const),
    };
  }

  private async refreshToken(caller: Client, token: string): Promise<IntrospectionResponse> {
    const row = await this.refreshTokens.findByToken(this.dataSource.manager, token);
    if (!row || row.rotatedAt || row.revokedAt) return INACTIVE;
    // Refresh tokens carry no audience: only their client, or an iam:check holder, may look.
    if (!mayIntrospect(caller, { clientId: row.clientId }, this.config.issuer)) return INACTIVE;
    const expiresAt = Math.min(row.expiresAt.getTime(), row.idleExpiresAt.getTime());
    if (expiresAt <= this.clock.now()) return INACTIVE;
    // Its revocation is the row's own (above); the rest as for any token.
    const client = await this.clients.findActive(row.clientId);
    const user = client ? await this.users.findActive(row.userId) : null;
    const liveness = tokenLiveness(
      { sub: row.userId, clientId: row.clientId, issuedMs: row.createdAt.getTime() },
      {
        isRevoked: () => false,
        client: () => asTokenHolder(client),
        user: () => asTokenHolder(user),
      },
    );
    if (liveness !== 'live') return INACTIVE;
    return {
      active: true,
      scope: row.scopes.join(' '),
      client_id: row.clientId,
      sub: row.userId,
      iss: this.config.issuer,
      exp: Math.floor(expiresAt / 1000),
      iat: Math.floor(row.createdAt.getTime() / 1000),
      token_type: 'refresh_token',
    };
  }
}
