import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { InvalidRequestError } from '../../common/oauth-error';

/** RFC 8707 §2: `resource` may appear more than once; nothing else may. */
const REPEATABLE = new Set(['resource']);

/**
 * The form of a client-authenticated request (/token, /introspect, /revoke, /par): RFC 6749 §3.2
 * requires application/x-www-form-urlencoded, and §3.1/§3.2 say parameters MUST NOT be included
 * more than once (RFC 9126 §2.1 for /par).
 */
@Injectable()
export class TokenRequestGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '')) {
      throw new InvalidRequestError(
        'the request must be application/x-www-form-urlencoded (RFC 6749 §3.2)',
      );
    }
    const params = (request.body ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(params)) {
      if (Array.isArray(value) && !REPEATABLE.has(name)) {
        throw new InvalidRequestError(`parameter ${name} is repeated`);
      }
    }
    request.body = params;
    return true;
  }
}
