import { FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { constantTimeEquals } from '../crypto/secret-hasher.service';
import { html, Html } from './views/html';

export const CSRF_COOKIE = 'gatehouse_csrf';
export const CSRF_FIELD = 'csrf_token';

/**
 * Double-submit CSRF protection for every form: a random value in an HttpOnly SameSite cookie
 * and the same value in a hidden field; a POST must carry both, equal.
 */
export function csrfToken(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const existing = request.cookies?.[CSRF_COOKIE];
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  void reply.setCookie(CSRF_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure });
  return token;
}

export function csrfValid(request: FastifyRequest, submitted: unknown): boolean {
  const cookie = request.cookies?.[CSRF_COOKIE];
  return typeof submitted === 'string' && !!cookie && constantTimeEquals(cookie, submitted);
}

/** The hidden form field that carries this browser's CSRF token back. */
export function csrfField(token: string): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}" />`;
}
