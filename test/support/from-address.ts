/** Requests from chosen addresses, for the guessing and lockout tests. */
import { expect } from 'expect';
import { hiddenFields } from './code-flow';
import { basicAuth, formBody, InjectResult, TestApp } from './test-app';

export const TOO_MANY_FAILURES = {
  error: 'too_many_requests',
  error_description: 'too many failed client authentications; retry after the time in Retry-After',
};
export const TOO_MANY_REQUESTS = {
  error: 'too_many_requests',
  error_description: 'too many requests; retry after the time in Retry-After',
};
export const INVALID_CLIENT = {
  error: 'invalid_client',
  error_description:
    'client authentication failed; check that the client uses its registered token_endpoint_auth_method',
};
export const CLIENT_CREDENTIALS = { grant_type: 'client_credentials' };
export const THROTTLED = /^\/login\?error=throttled&wait=\d+$/;

function result(response: {
  statusCode: number;
  headers: InjectResult['headers'];
  body: string;
}): InjectResult {
  return {
    statusCode: response.statusCode,
    headers: response.headers,
    body: response.body,
    json: () => JSON.parse(response.body),
  };
}

/** A request from the socket address `ip`. */
export async function from(
  sut: TestApp,
  ip: string,
  options: { method?: string; url: string; headers?: Record<string, string>; payload?: string },
): Promise<InjectResult> {
  const response = await sut.app.inject({
    method: (options.method ?? 'POST') as 'POST',
    url: options.url,
    remoteAddress: ip,
    headers: options.headers,
    payload: options.payload,
  });
  return result(response);
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export function tokenFrom(sut: TestApp, ip: string, clientId: string, secret: string) {
  return from(sut, ip, {
    url: '/token',
    headers: { ...FORM, authorization: basicAuth(clientId, secret) },
    payload: formBody(CLIENT_CREDENTIALS),
  });
}

export function expectStatus(response: InjectResult, status: number, body?: object): void {
  expect({ status: response.statusCode, body: response.body }).toMatchObject({ status });
  if (body) expect(response.json()).toEqual(body);
}

export function expectTooMany(response: InjectResult, body: object): number {
  expectStatus(response, 429, body);
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  return Number(response.headers['retry-after']);
}

export async function createM2mClient(sut: TestApp): Promise<{ id: string; secret: string }> {
  const created = await sut.admin('POST', '/admin/clients', {
    client_name: 'lockout target',
    client_type: 'm2m',
    scope: 'a',
  });
  expect(created.statusCode).toBe(201);
  return { id: created.json().client_id, secret: created.json().client_secret };
}

/**
 * One login form POST from `ip` with a fresh CSRF pair; `query` is appended to /login. Answers
 * the Location and whether a session cookie was set.
 */
export async function loginFrom(
  sut: TestApp,
  ip: string,
  form: Record<string, string>,
  query = '',
  headers: Record<string, string> = {},
): Promise<{ location: string; session: boolean }> {
  const page = await from(sut, ip, { method: 'GET', url: '/login', headers });
  const csrf = hiddenFields(page.body).csrf_token;
  const response = await from(sut, ip, {
    url: `/login${query}`,
    headers: { ...FORM, ...headers, cookie: `gatehouse_csrf=${csrf}` },
    payload: formBody({ csrf_token: csrf, ...form }),
  });
  expect(response.statusCode).toBe(303);
  return {
    location: String(response.headers.location),
    session: String(response.headers['set-cookie'] ?? '').includes('gatehouse_session'),
  };
}
