import { FastifyRequest } from 'fastify';
import { formField } from './form';

/** Why an attempt is refused before any password is looked at. */
export type LoginRefusal = 'missing_credentials' | 'credentials_in_query';

/**
 * What one login POST claims, read once: the throttle counts it, the Passport strategy checks it
 * and the audit log records it under the same account, so no field or query parameter can make
 * them disagree about who is being attacked.
 */
export interface LoginAttempt {
  /** The account the attempt is against, as typed ('' when none was named). */
  readonly username: string;
  readonly password: string;
  /** Set when the attempt is refused as it stands, without checking a password. */
  readonly refusal?: LoginRefusal;
}

const CREDENTIAL_FIELDS = ['username', 'password'] as const;

const attempts = new WeakMap<FastifyRequest, LoginAttempt>();

/**
 * The login attempt of `request`. Credentials count only in the form body: a password never
 * belongs in a URL, which browsers, proxies and logs keep. A request that also names a username
 * or password in its query string is refused, and recorded against the account it names.
 */
export function loginAttempt(request: FastifyRequest): LoginAttempt {
  let attempt = attempts.get(request);
  if (!attempt) {
    attempt = read(request);
    attempts.set(request, attempt);
  }
  return attempt;
}

function read(request: FastifyRequest): LoginAttempt {
  const body = asRecord(request.body);
  const query = asRecord(request.query);
  const username = formField(body, 'username') ?? '';
  const password = formField(body, 'password') ?? '';
  if (CREDENTIAL_FIELDS.some((name) => query[name] !== undefined)) {
    const named = username || formField(query, 'username') || '';
    return { username: named, password: '', refusal: 'credentials_in_query' };
  }
  if (!username || !password) return { username, password: '', refusal: 'missing_credentials' };
  return { username, password };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
