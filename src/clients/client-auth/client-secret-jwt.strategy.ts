import { Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { AppPassport, AppPassportStrategy } from '../../common/auth/app-passport';
import { Client } from '../client';
import { ClientAuthenticator } from './client-authenticator.service';
import { presentedCredentials } from './presented-credentials';

/**
 * RFC 7523 §2.2, OIDC Core §9 `client_secret_jwt`: the client proves itself with a JWT whose
 * HMAC (HS256, HS384, HS512) is keyed with its secret, so the secret never travels. The same
 * assertion rules as private_key_jwt, in the same verifier.
 */
@Injectable()
export class ClientSecretJwtStrategy extends AppPassportStrategy(Strategy, 'client_secret_jwt') {
  constructor(
    passport: AppPassport,
    private readonly authenticator: ClientAuthenticator,
  ) {
    super(passport);
  }

  validate(request: FastifyRequest): Promise<Client> {
    const path = request.url.split('?')[0];
    return this.authenticator.withAssertion(presentedCredentials(request), path);
  }
}
