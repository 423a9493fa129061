import { Injectable } from '@nestjs/common';
import { ClientEntity } from '../clients/client.entity';
import { AppConfig } from '../config/app-config';
import { JwtService } from '../crypto/jwt.service';
import { RandomService } from '../crypto/random.service';

export const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface AccessTokenRequest {
  client: ClientEntity;
  /** RFC 9068 §2.2: the resource owner, or the client_id for client_credentials. */
  subject: string;
  scopes: string[];
  audience: string[];
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresIn: number;
}

/** RFC 9068 JWT access tokens, signed with the key store's current access-token key. */
@Injectable()
export class AccessTokenIssuer {
  constructor(
    private readonly jwt: JwtService,
    private readonly random: RandomService,
    private readonly config: AppConfig,
  ) {}

  async issue({
    client,
    subject,
    scopes,
    audience,
  }: AccessTokenRequest): Promise<IssuedAccessToken> {
    const expiresIn = client.accessTokenLifetime ?? this.config.tokens.accessTokenLifetime;
    const now = Math.floor(Date.now() / 1000);
    const jti = this.random.jwtId();
    const token = await this.jwt.sign(
      {
        iss: this.config.issuer,
        sub: subject,
        aud: audience.length === 1 ? audience[0] : audience,
        client_id: client.clientId,
        scope: scopes.join(' '),
        iat: now,
        exp: now + expiresIn,
        jti,
      },
      ACCESS_TOKEN_TYPE,
      this.config.keys.accessTokenAlgorithm,
    );
    return { token, jti, expiresIn };
  }
}
