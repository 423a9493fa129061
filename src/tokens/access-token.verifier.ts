import { Injectable } from '@nestjs/common';
import { BearerAuthenticator, BearerPrincipal } from '../common/auth/bearer-authenticator';
import { InvalidTokenError } from '../common/oauth-error';
import { ClientDirectory } from '../clients/client-directory.service';
import { AppConfig } from '../config/app-config';
import { JwtService } from '../crypto/jwt.service';
import { ACCESS_TOKEN_TYPE } from './access-token.issuer';

/**
 * Verifies access tokens presented to Gatehouse's own APIs (RFC 9068 §4): signature by one of
 * our keys, `typ` at+jwt, `iss`, `exp`, and the issuer among its audiences; and the client that
 * holds it must still be active.
 */
@Injectable()
export class AccessTokenVerifier extends BearerAuthenticator {
  constructor(
    private readonly jwt: JwtService,
    private readonly clients: ClientDirectory,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async authenticate(token: string): Promise<BearerPrincipal> {
    const payload = await this.jwt
      .verify(token, {
        typ: ACCESS_TOKEN_TYPE,
        audience: this.config.issuer,
        algorithms: [this.config.keys.accessTokenAlgorithm],
      })
      .catch(() => {
        throw new InvalidTokenError();
      });
    const { sub, client_id: clientId, scope, jti } = payload as Record<string, unknown>;
    if (typeof sub !== 'string' || typeof clientId !== 'string' || typeof jti !== 'string') {
      throw new InvalidTokenError();
    }
    if (!(await this.clients.findActive(clientId))) throw new InvalidTokenError();
    return {
      sub,
      clientId,
      jti,
      scopes: typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [],
    };
  }
}
