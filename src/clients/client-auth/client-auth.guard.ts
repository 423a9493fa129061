import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import passport from 'passport';
import { ClientEntity } from '../client.entity';
import { InvalidClientError } from '../../common/oauth-error';
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
    request.client = await new Promise<ClientEntity>((resolve, reject) => {
      const authenticate = passport.authenticate(
        method,
        { session: false },
        (error: unknown, client: ClientEntity | false) =>
          client
            ? resolve(client)
            : reject(error instanceof Error ? error : new InvalidClientError()),
      ) as (req: unknown, res: unknown, next: (error?: unknown) => void) => void;
      authenticate(request, http.getResponse<FastifyReply>(), reject);
    });
    return true;
  }
}
