import { Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { AppPassport, AppPassportStrategy } from '../../common/auth/app-passport';
import { Client } from '../client';
import { ClientAuthenticator } from './client-authenticator.service';
import { presentedCredentials } from './presented-credentials';

/**
 * RFC 7523 §2.2, OIDC Core §9 `private_key_jwt`: the client proves itself with a JWT signed by
 * one of its own keys, so the server holds no secret of it.
 */
@Injectable()
export class PrivateKeyJwtStrategy extends AppPassportStrategy(Strategy, 'private_key_jwt') {
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
