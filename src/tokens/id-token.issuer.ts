import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Client } from '../clients/client';
import { AppConfig } from '../config/app-config';
import { JwtService } from '../crypto/jwt.service';
import { User } from '../users/user';
import { claimsForScopes } from './user-claims';
import { Clock } from '../common/clock';
import { acrOf } from '../authorization/authentication-context';

export interface IdTokenRequest {
  client: Client;
  user: User;
  scopes: string[];
  authTime: Date;
  /** RFC 8176 `amr` of the sign-in; `acr` is the level it comes to. */
  amr: readonly string[];
  nonce?: string | null;
  accessToken: string;
}

/** OIDC Core §3.1.3.6 at_hash: base64url of the left half of SHA-256 of the access token. */
export function atHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/**
 * OIDC Core §2 ID tokens, signed with the client's `id_token_signed_response_alg` (OIDC Dynamic
 * Client Registration §2: RS256 unless it chose ES256 or EdDSA).
 */
@Injectable()
export class IdTokenIssuer {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  issue({
    client,
    user,
    scopes,
    authTime,
    amr,
    nonce,
    accessToken,
  }: IdTokenRequest): Promise<string> {
    const now = Math.floor(this.clock.now() / 1000);
    return this.jwt.sign(
      {
        ...claimsForScopes(user, scopes),
        iss: this.config.issuer,
        sub: user.id,
        aud: client.clientId,
        azp: client.clientId,
        iat: now,
        exp: now + (client.accessTokenLifetime ?? this.config.tokens.accessTokenLifetime),
        auth_time: Math.floor(authTime.getTime() / 1000),
        // OIDC Core §2: how the person authenticated (RFC 8176) and the level it comes to.
        amr: [...amr],
        acr: acrOf(amr),
        ...(nonce ? { nonce } : {}),
        at_hash: atHash(accessToken),
      },
      'JWT',
      client.idTokenSignedResponseAlg ?? 'RS256',
    );
  }
}
