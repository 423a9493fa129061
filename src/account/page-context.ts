import { FastifyReply, FastifyRequest } from 'fastify';
import { csrfToken, csrfValid } from '../authorization/csrf';
import { formField } from '../authorization/form';
import { AppConfig } from '../config/app-config';

/** The form of a POST as fields (the edge has already refused NUL, bad UTF-8 and repeats). */
export function formOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}

/** The CSRF token of this browser for a page's forms (set as a cookie when new). */
export function pageCsrf(request: FastifyRequest, reply: FastifyReply, config: AppConfig): string {
  return csrfToken(request, reply, config.issuer.startsWith('https:'));
}

/** Whether a POSTed form carries this browser's CSRF token. */
export function formCsrfValid(request: FastifyRequest, form: Record<string, unknown>): boolean {
  return csrfValid(request, formField(form, 'csrf_token'));
}

/** `path?name=value`: our own paths only, so a redirect is never open. */
export function withQuery(path: `/${string}`, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}
