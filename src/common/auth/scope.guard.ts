import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../api-error';
import { bearerChallenge, InsufficientScopeError, InvalidTokenError } from '../oauth-error';
import { BearerAuthenticator, BearerPrincipal } from './bearer-authenticator';
import { bearerToken } from './bearer-token';
export const REQUIRED_SCOPE = 'gatehouse:required-scope';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: BearerPrincipal;
  }
}

/**
 * RFC 6750 Bearer authentication for the admin API: 401 without a good token, 403 when the
 * token lacks the route's scope. The answer takes the shape of the route it guards.
 */
@Injectable()
export class ScopeGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: BearerAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const scope =
      this.reflector.get<string>(REQUIRED_SCOPE, context.getHandler()) ??
      this.reflector.get<string>(REQUIRED_SCOPE, context.getClass());
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    if (!header) {
      // RFC 6750 §3.1: no credentials at all gets a bare challenge.
      throw new UnauthorizedError('a Bearer access token is required', undefined, {
        headers: bearerChallenge(),
      });
    }
    const token = bearerToken(header);
    if (!token) throw new InvalidTokenError('the Authorization header is not a Bearer token');
    const principal = await this.authenticator.authenticate(token);
    if (scope && !principal.scopes.includes(scope)) throw new InsufficientScopeError(scope);
    request.principal = principal;
    return true;
  }
}
