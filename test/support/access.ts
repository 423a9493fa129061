import { expect } from 'expect';
import { exportJWK, generateKeyPair, JWTPayload, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { SigningKeys } from '../../src/crypto/signing-keys.service';
import { AppSurface, basicAuth, InjectResult, TestApp } from './test-app';

/** A client and the secret it authenticates with. */
export interface Credentials {
  client_id: string;
  client_secret: string;
}

/** The body of `POST /access/check` (docs/access.md). */
export interface CheckBody {
  allowed: boolean;
  reason: string;
  sub: string | null;
  client_id: string | null;
  scope: string | null;
  decision_id: string;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let counter = 0;
/** A name no other test in this process uses. */
export const unique = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}${(counter++).toString(36)}`;

/** Polls `probe` until it returns true or `ms` pass; returns whether it ever did. */
export async function within(ms: number, probe: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms;
  do {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  } while (Date.now() < deadline);
  return false;
}

/**
 * Waits past the current second: JWT `iat` has one-second resolution. Real time, not a
 * TestClock: cut-offs come from the app's clock, but codes and refresh tokens are stamped by
 * the database's (docs/decisions/0102-password-change-sets-the-cutoff.md), which it cannot move.
 */
export const nextSecond = (): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, 1100 - (Date.now() % 1000)));

/** `POST /admin/roles`, expecting 201. */
export async function createRole(
  sut: AppSurface,
  permissions: string[],
  name = unique('role'),
): Promise<string> {
  const response = await sut.admin('POST', '/admin/roles', { name, permissions });
  expect(response.statusCode).toBe(201);
  return name;
}

/** `PUT /admin/clients/{id}/roles`, expecting 200. */
export async function setClientRoles(sut: AppSurface, clientId: string, roles: string[]) {
  const response = await sut.admin('PUT', `/admin/clients/${clientId}/roles`, { roles });
  expect(response.statusCode).toBe(200);
}

/** `PUT /admin/users/{id}/roles`, expecting 200. */
export async function setUserRoles(sut: AppSurface, userId: string, roles: string[]) {
  const response = await sut.admin('PUT', `/admin/users/${userId}/roles`, { roles });
  expect(response.statusCode).toBe(200);
}

/** An m2m client registered for `scope`, holding `roles`. */
export async function createService(
  sut: AppSurface,
  scope: string,
  roles: string[] = [],
  extra: Record<string, unknown> = {},
): Promise<Credentials> {
  const response = await sut.admin('POST', '/admin/clients', {
    client_name: unique('service'),
    client_type: 'm2m',
    scope,
    ...extra,
  });
  expect(response.statusCode).toBe(201);
  const { client_id, client_secret } = response.json<Credentials>();
  if (roles.length > 0) await setClientRoles(sut, client_id, roles);
  return { client_id, client_secret };
}

/** `POST /token` grant_type=client_credentials, the raw answer. */
export function requestClientToken(
  sut: AppSurface,
  client: Credentials,
  form: Record<string, string> = {},
): Promise<InjectResult> {
  return sut.postForm(
    '/token',
    { grant_type: 'client_credentials', ...form },
    { authorization: basicAuth(client.client_id, client.client_secret) },
  );
}

/** A client_credentials access token (asking for `scope` when given). */
export async function clientToken(
  sut: AppSurface,
  client: Credentials,
  scope?: string,
): Promise<string> {
  const response = await requestClientToken(sut, client, scope === undefined ? {} : { scope });
  expect(response.statusCode).toBe(200);
  return response.json<{ access_token: string }>().access_token;
}

/** `POST /admin/access-rules`, expecting 201; returns the rule's id. */
export async function createRule(sut: AppSurface, rule: Record<string, unknown>): Promise<string> {
  const response = await sut.admin('POST', '/admin/access-rules', rule);
  expect(response.statusCode).toBe(201);
  return response.json<{ id: string }>().id;
}

/** `POST /access/check` with the token (if any) as Bearer. */
export function check(
  sut: AppSurface,
  token: string | undefined,
  resource: string,
  action: string,
): Promise<InjectResult> {
  return sut.request({
    method: 'POST',
    url: '/access/check',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    payload: { resource, action },
  });
}

export type GatewayStyle = 'nginx' | 'caddy' | 'envoy';

/**
 * A forward-auth request as each gateway sends it: nginx `auth_request` (X-Original-*), Caddy
 * `forward_auth` (X-Forwarded-*, the subrequest itself a GET), Envoy `ext_authz` (the original
 * method and path under /access/gateway).
 */
export function gateway(
  sut: AppSurface,
  options: { token?: string; method: string; uri: string; style?: GatewayStyle },
): Promise<InjectResult> {
  const authorization: Record<string, string> =
    options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
  switch (options.style ?? 'nginx') {
    case 'nginx':
      return sut.request({
        method: 'GET',
        url: '/access/gateway',
        headers: {
          ...authorization,
          'x-original-method': options.method,
          'x-original-uri': options.uri,
        },
      });
    case 'caddy':
      return sut.request({
        method: 'GET',
        url: '/access/gateway',
        headers: {
          ...authorization,
          'x-forwarded-method': options.method,
          'x-forwarded-uri': options.uri,
        },
      });
    case 'envoy':
      return sut.request({
        method: options.method,
        url: `/access/gateway${options.uri}`,
        headers: authorization,
      });
  }
}

/** The claims of an access token Gatehouse would issue to `clientId` for itself. */
export function accessTokenClaims(
  sut: TestApp,
  clientId: string,
  overrides: JWTPayload = {},
): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: sut.config.issuer,
    sub: clientId,
    aud: sut.config.issuer,
    client_id: clientId,
    scope: 'invoices:read',
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
    ...overrides,
  };
}

/** Signs `payload` with the server's own current access-token key (ES256) and `typ`. */
export function signWithServerKey(
  sut: TestApp,
  payload: JWTPayload,
  typ = 'at+jwt',
): Promise<string> {
  return sut.app.get(SigningKeys).current('ES256').sign(payload, typ);
}

/** Signs `payload` as an RFC 9068 token with a key the server has never seen. */
export async function signWithForeignKey(payload: JWTPayload): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = (await exportJWK(publicKey)).x ?? 'foreign';
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
    .sign(privateKey);
}

/** The Bearer challenge gateways get for a bad token, and for none (RFC 6750 §3). */
export const INVALID_TOKEN_CHALLENGE = 'Bearer realm="gatehouse", error="invalid_token"';
export const BARE_CHALLENGE = 'Bearer realm="gatehouse"';

/** Asserts a gateway answer: status, body, challenge and decision id for a deny. */
export function expectGatewayDenied(
  response: InjectResult,
  reason: string,
  /** The challenge expected instead of the Bearer one (a DPoP-bound token's, RFC 9449 §7.1). */
  challenge?: string,
): void {
  const unauthorized = [
    'token_missing',
    'token_invalid',
    'token_expired',
    'token_revoked',
    'binding_mismatch',
  ];
  const status = unauthorized.includes(reason) ? 401 : 403;
  expect({ status: response.statusCode, body: response.json() }).toEqual({
    status,
    body: { allowed: false, reason, decision_id: response.headers['x-decision-id'] },
  });
  expect(response.headers['x-decision-id']).toMatch(UUID);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers['www-authenticate']).toBe(
    status === 403
      ? undefined
      : (challenge ?? (reason === 'token_missing' ? BARE_CHALLENGE : INVALID_TOKEN_CHALLENGE)),
  );
  expect(response.headers['x-auth-subject']).toBeUndefined();
}

/** Asserts a gateway allow with the caller's identity in the X-Auth-* headers. */
export function expectGatewayAllowed(
  response: InjectResult,
  who: { sub: string; clientId: string; scope: string },
): void {
  expect(response.statusCode).toBe(200);
  expect(response.body).toBe('');
  expect(response.headers['x-decision-id']).toMatch(UUID);
  expect(response.headers['cache-control']).toBe('no-store');
  expect({
    subject: response.headers['x-auth-subject'],
    clientId: response.headers['x-auth-client-id'],
    scope: response.headers['x-auth-scope'],
  }).toEqual({ subject: who.sub, clientId: who.clientId, scope: who.scope });
}

/** Asserts a check answer: 200, the body, and the same decision id in the header. */
export function expectCheck(response: InjectResult, body: Omit<CheckBody, 'decision_id'>): void {
  expect(response.statusCode).toBe(200);
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(response.headers['x-decision-id']).toMatch(UUID);
  expect(response.json()).toEqual({ ...body, decision_id: response.headers['x-decision-id'] });
}

/** Whether `subject` holds `permission` now, asked through AuthZEN with the admin token. */
export async function holds(
  sut: TestApp,
  subject: { type: 'user' | 'client'; id: string },
  permission: string,
): Promise<boolean> {
  const [resource, action] = permission.split(':');
  const response = await sut.admin('POST', '/access/v1/evaluation', {
    subject,
    action: { name: action },
    resource: { type: resource, id: '*' },
  });
  expect(response.statusCode).toBe(200);
  return response.json<{ decision: boolean }>().decision;
}

/** AuthZEN 1.0 §6.2 answers as Gatehouse gives them: the decision, its reason and id. */
export const AUTHZEN_ALLOW = {
  decision: true,
  context: { reason: 'allowed', decision_id: expect.stringMatching(UUID) },
};
export const authzenDeny = (reason: string) => ({
  decision: false,
  context: { reason, decision_id: expect.stringMatching(UUID) },
});

/** A user created through the admin API with a password that passes the policy; its id. */
export async function createUserWith(sut: TestApp, body: object): Promise<string> {
  const response = await sut.admin('POST', '/admin/users', {
    password: 'correct horse battery',
    ...body,
  });
  expect(response.statusCode).toBe(201);
  return response.json<{ id: string }>().id;
}
