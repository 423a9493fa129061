import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AppPassport } from '../../common/auth/app-passport';
import { InvalidClientError } from '../../common/oauth-error';
import { ClientAuthBackoff } from '../../rate-limit/client-auth-backoff.service';
import {
  orUnavailable,
  TOO_MANY_REQUESTS,
  TooManyRequestsError,
} from '../../rate-limit/rate-limit.errors';
import { RateLimiter } from '../../rate-limit/rate-limiter.service';
import { Client } from '../client';
import { ClientDirectory } from '../client-directory.service';
import { MTLS_AUTH_METHODS, TokenEndpointAuthMethod } from '../client.types';
import { PresentedCredentials, presentedCredentials } from './presented-credentials';

declare module 'fastify' {
  interface FastifyRequest {
    client?: Client;
  }
}

/**
 * Authenticates the client (RFC 6749 §2.3) by the one method the request presents, through the
 * Passport strategy of that name; the strategy insists it is the client's registered method.
 * The authenticated client lands on `request.client`. Failures back off per source address and
 * per (client_id, source) (RFC 6749 §10.10, see ClientAuthBackoff): a locked pair or source gets
 * 429 before its credentials are looked at, while the client elsewhere goes on.
 */
@Injectable()
export class ClientAuthGuard implements CanActivate {
  constructor(
    private readonly backoff: ClientAuthBackoff,
    private readonly limiter: RateLimiter,
    private readonly passport: AppPassport,
    private readonly directory: ClientDirectory,
  ) {}

  /**
   * The method a request presents. A request with a client_id alone presents `none`, unless the
   * client is registered for mutual TLS (RFC 8705 §2: the certificate is the credential and
   * `client_id` names the client): then it presents that method.
   */
  private async methodOf(presented: PresentedCredentials): Promise<TokenEndpointAuthMethod> {
    if (presented.method !== 'none') return presented.method;
    const registered = (await this.directory.findRegistered(presented.clientId))
      ?.tokenEndpointAuthMethod;
    return registered && MTLS_AUTH_METHODS.includes(registered) ? registered : 'none';
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const presented = presentedCredentials(request);
    const clientId = presented.clientId;
    const failures = await this.backoff.admit(clientId, request.ip);
    let client: Client | null;
    try {
      client = await this.passport.authenticate<Client>(
        await this.methodOf(presented),
        request,
        http.getResponse<FastifyReply>(),
      );
      if (!client) throw new InvalidClientError();
    } catch (error) {
      if (error instanceof InvalidClientError) await this.backoff.failed(clientId, request.ip);
      throw error;
    }
    await this.backoff.succeeded(clientId, request.ip, failures);
    // The per-client request limit counts the client's own requests only, once it has proved
    // who it is: a stranger presenting its client_id spends the stranger's address limit.
    const wait = await orUnavailable(this.limiter.consumeClient(client.clientId));
    if (wait > 0) throw new TooManyRequestsError(wait, TOO_MANY_REQUESTS);
    request.client = client;
    return true;
  }
}
