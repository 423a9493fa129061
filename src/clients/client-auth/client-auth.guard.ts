import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { passportAuthenticate } from '../../common/auth/passport-authenticate';
import { InvalidClientError } from '../../common/oauth-error';
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
 * The authenticated client lands on `request.client`.
 */
@Injectable()
export class ClientAuthGuard implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const { method } = presentedCredentials(request);
    const client = await passportAuthenticate<ClientEntity>(
      method,
      request,
      http.getResponse<FastifyReply>(),
    );
    if (!client) throw new InvalidClientError();
    request.client = client;
    return true;
  }
}
