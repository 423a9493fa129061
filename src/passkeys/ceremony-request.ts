import { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError, ValidationFailedError } from '../common/api-error';
import { BODY_PROBLEMS } from '../common/error-response';
import { InvalidRequestError } from '../common/oauth-error';
import { CSRF_FIELD, csrfValid } from '../authorization/csrf';
import { CEREMONY_COOKIE, CEREMONY_TTL_MS } from './passkey-challenges.service';

/**
 * The JSON body of a ceremony request (415 for any other type): an object whose `csrf_token` matches this browser's
 * CSRF cookie (the double submit of every form, src/authorization/csrf.ts); else 400 or 403.
 */
export function ceremonyBody(request: FastifyRequest): Record<string, unknown> {
  // JSON only: a form is what another site can post without asking (a CORS simple request).
  const type = request.headers['content-type']?.split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw new InvalidRequestError(BODY_PROBLEMS.unsupportedType, undefined, { status: 415 });
  }
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationFailedError([{ field: 'body', problem: 'must be a JSON object' }]);
  }
  const fields = body as Record<string, unknown>;
  if (!csrfValid(request, fields[CSRF_FIELD])) {
    throw new ForbiddenError('the page expired: reload it and try again');
  }
  return fields;
}

/** An optional string member, at most `max` characters; else 400 naming it. */
export function optionalString(
  body: Record<string, unknown>,
  name: string,
  max: number,
): string | undefined {
  const value = body[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > max) {
    throw new ValidationFailedError([
      { field: name, problem: `must be a string of at most ${max} characters` },
    ]);
  }
  return value;
}

/** Binds a ceremony to this browser: HttpOnly, SameSite=Strict, gone with the challenge. */
export function setCeremonyCookie(reply: FastifyReply, value: string, secure: boolean): void {
  void reply.setCookie(CEREMONY_COOKIE, value, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure,
    maxAge: CEREMONY_TTL_MS / 1000,
  });
}

/** The ceremony cookie, cleared on the reply: a challenge answers once. */
export function takeCeremonyCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  secure: boolean,
): string | undefined {
  void reply.clearCookie(CEREMONY_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure,
  });
  return request.cookies?.[CEREMONY_COOKIE];
}
