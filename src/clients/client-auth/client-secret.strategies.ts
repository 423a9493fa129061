import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { ClientEntity } from '../client.entity';
import { ClientAuthenticator } from './client-authenticator.service';
import { presentedCredentials } from './presented-credentials';

/** RFC 6749 §2.3.1: client_id and client_secret in the HTTP Basic Authorization header. */
@Injectable()
export class ClientSecretBasicStrategy extends PassportStrategy(Strategy, 'client_secret_basic') {
  constructor(private readonly authenticator: ClientAuthenticator) {
    super();
  }

  validate(request: FastifyRequest): Promise<ClientEntity> {
    return this.authenticator.withSecret(presentedCredentials(request), request.ip);
  }
}

/** RFC 6749 §2.3.1: client_id and client_secret in the form body. */
@Injectable()
export class ClientSecretPostStrategy extends PassportStrategy(Strategy, 'client_secret_post') {
  constructor(private readonly authenticator: ClientAuthenticator) {
    super();
  }

  validate(request: FastifyRequest): Promise<ClientEntity> {
    return this.authenticator.withSecret(presentedCredentials(request), request.ip);
  }
}

/** RFC 6749 §2.1 public clients: client_id only, proof comes from PKCE. */
@Injectable()
export class PublicClientStrategy extends PassportStrategy(Strategy, 'none') {
  constructor(private readonly authenticator: ClientAuthenticator) {
    super();
  }

  validate(request: FastifyRequest): Promise<ClientEntity> {
    return this.authenticator.withoutSecret(presentedCredentials(request));
  }
}
