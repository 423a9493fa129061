import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { InvalidRequestError } from '../../common/oauth-error';

const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

/**
 * AuthZEN 1.0 §10.1: a request is `Content-Type: application/json` and its body a JSON object
 * (§10.1.1). Anything else is a 400 that says so, before the body is read as an evaluation.
 */
@Injectable()
export class AuthzenRequestGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!JSON_MEDIA_TYPE.test(request.headers['content-type'] ?? '')) {
      throw new InvalidRequestError('the request must be application/json');
    }
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new InvalidRequestError('the body must be a JSON object');
    }
    return true;
  }
}
