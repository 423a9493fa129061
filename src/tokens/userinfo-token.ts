import { FastifyRequest } from 'fastify';
import { B64TOKEN, bearerToken } from '../common/auth/bearer-token';
import { bearerChallenge, InvalidRequestError, InvalidTokenError } from '../common/oauth-error';
import { GatehouseError } from '../common/errors';

const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;

function invalidRequest(description: string): GatehouseError {
  return new InvalidRequestError(description, undefined, {
    headers: bearerChallenge('invalid_request'),
  });
}

/**
 * The access token of a UserInfo request (OIDC Core §5.3.1): in the Authorization header
 * (RFC 6750 §2.1) or, in a POST, as `access_token` in an application/x-www-form-urlencoded body
 * (§2.2). RFC 6750 §2 lets a client use one method only and §3.1 makes more than one, or a
 * repeated parameter, `invalid_request`. A query parameter (§2.3) is not accepted.
 */
export function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const body = request.body;
  const inForm =
    request.method === 'POST' &&
    FORM.test(request.headers['content-type'] ?? '') &&
    typeof body === 'object' &&
    body !== null &&
    'access_token' in body;
  if (inForm && /^Bearer\s/i.test(header ?? '')) {
    throw invalidRequest('send the access token in the Authorization header or the body, not both');
  }
  if (inForm) {
    const value = (body as Record<string, unknown>).access_token;
    if (typeof value !== 'string') throw invalidRequest('access_token must appear once');
    if (!B64TOKEN.test(value)) throw new InvalidTokenError();
    return value;
  }
  return bearerToken(header);
}
