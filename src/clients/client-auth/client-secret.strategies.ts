import { Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { AppPassport, AppPassportStrategy } from '../../common/auth/app-passport';
import { Client } from '../client';
import { ClientAuthenticator } from './client-authenticator.service';
import { presentedCredentials } from './presented-credentials';

/** RFC 6749 §2.3.1: client_id and client_secret in the HTTP Basic Authorization header. */
@Injectable()
export class ClientSecretBasicStrategy extends AppPassportStrategy(
  Strategy,
  'client_secret_basic',
) {
  constructor(
    passport: AppPassport,
    private readonly authenticator: ClientAuthenticator,
  ) {
    super(passport);
  }

  validate(request: FastifyRequest): Promise<Client> {
    return this.authenticator.withSecret(presentedCredentials(request), request.ip);
  }
}

/** RFC 6749 §2.3.1: client_id and client_secret in the form body. */
@Injectable()
export class ClientSecretPostStrategy extends AppPassportStrategy(Strategy, 'client_secret_post') {
  constructor(
    passport: AppPassport,
    private readonly authenticator: ClientAuthenticator,
  ) {
    super(passport);
  }

  validate(request: FastifyRequest): Promise<Client> {
    return this.authenticator.withSecret(presentedCredentials(request), request.ip);
  }
}

/** RFC 6749 §2.1 public clients: client_id only, proof comes from PKCE. */
@Injectable()
export class PublicClientStrategy extends AppPassportStrategy(Strategy, 'none') {
  constructor(
    passport: AppPassport,
    private readonly authenticator: ClientAuthenticator,
  ) {
    super(passport);
  }

  validate(request: FastifyRequest): Promise<Client> {
    return this.authenticator.withoutSecret(presentedCredentials(request));
  }
}
