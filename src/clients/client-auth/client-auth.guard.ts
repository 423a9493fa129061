import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AppPassport } from '../../common/auth/app-passport';
import { InvalidClientError } from '../../common/oauth-error';
import { ClientAuthBackoff } from '../../rate-limit/client-auth-backoff.service';
import { ClientEntity } from '../client.entity';
import { presentedCredentials } from './presented-credentials';

declare module 'fastify' {
  interface FastifyRequest {
    client?: ClientEntity;
  }
}

/**
 * Authenticates the client (RFC 6749 §2.3) by the one method the request presents, through the
 * Passport strategy of that name; the strategy insists it is the client's registered method.
 * The authenticated client lands on `request.client`. Failures back off per client_id
 * (RFC 6749 §10.10): a locked client_id gets 429 before its credentials are looked at.
 */
@Injectable()
export class ClientAuthGuard implements CanActivate {
  constructor(
    private readonly backoff: ClientAuthBackoff,
    private readonly passport: AppPassport,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const { method, clientId } = presentedCredentials(request);
    const failures = await this.backoff.admit(clientId);
    let client: ClientEntity | null;
    try {
      client = await this.passport.authenticate<ClientEntity>(
        method,
        request,
        http.getResponse<FastifyReply>(),
      );
      if (!client) throw new InvalidClientError();
    } catch (error) {
      if (error instanceof InvalidClientError) await this.backoff.failed(clientId);
      throw error;
    }
    await this.backoff.succeeded(clientId, failures);
    request.client = client;
    return true;
  }
}
