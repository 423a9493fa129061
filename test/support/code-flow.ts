import { expect } from 'expect';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { TestBrowser } from './browser';
import { basicAuth, InjectResult, TestApp } from './test-app';

export const REDIRECT_URI = 'https://app.example.com/cb';
export const PASSWORD = 'correct horse battery staple';

export interface TestUser {
  id: string;
  username: string;
  password: string;
}

export interface TestClient {
  client_id: string;
  /** Absent for public clients. */
  client_secret?: string;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

/** A user created through the admin API; `overrides` are admin API fields. */
export async function createUser(
  sut: TestApp,
  overrides: Record<string, unknown> = {},
): Promise<TestUser> {
  const username = unique('user');
  const response = await sut.admin('POST', '/admin/users', {
    username,
    password: PASSWORD,
    email: `${username}@example.com`,
    name: 'Alice Liddell',
    ...overrides,
  });
  expect(response.statusCode).toBe(201);
  return { id: response.json().id, username, password: PASSWORD };
}

/**
 * A confidential client (client_secret_basic) of the code flow with refresh tokens, unless
 * `overrides` (admin API fields) say otherwise.
 */
export async function createClient(
  sut: TestApp,
  overrides: Record<string, unknown> = {},
): Promise<TestClient> {
  const response = await sut.admin('POST', '/admin/clients', {
    client_name: 'Web app',
    client_type: 'confidential',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: 'openid profile email offline_access',
    ...overrides,
  });
  expect(response.statusCode).toBe(201);
  const { client_id, client_secret } = response.json();
  return { client_id, client_secret };
}

/** A public client (token_endpoint_auth_method none) that must use PKCE. */
export function createPublicClient(
  sut: TestApp,
  overrides: Record<string, unknown> = {},
): Promise<TestClient> {
  return createClient(sut, {
    client_name: 'Single-page app',
    client_type: 'public',
    token_endpoint_auth_method: 'none',
    ...overrides,
  });
}

/** RFC 7636 §4.1/§4.2: a fresh verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&quot;': '"',
  '&#39;': "'",
  '&lt;': '<',
  '&gt;': '>',
};

/** The hidden inputs of a page's forms, whatever the attribute order or closing style. */
export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [input] of html.matchAll(/<input\b[^>]*>/g)) {
    if (!/\btype="hidden"/.test(input)) continue;
    const name = /\bname="([^"]*)"/.exec(input)?.[1];
    const value = /\bvalue="([^"]*)"/.exec(input)?.[1] ?? '';
    if (name) fields[name] = value.replace(/&(amp|quot|#39|lt|gt);/g, (entity) => ENTITIES[entity]);
  }
  return fields;
}

export interface AuthorizeOptions {
  scope?: string;
  state?: string;
  nonce?: string;
  redirectUri?: string;
  /** Send redirect_uri in the authorization request (default true). */
  sendRedirectUri?: boolean;
  /** Use PKCE (default true). */
  pkce?: boolean;
  /** Reuse a signed-in browser; a fresh one signs in otherwise. */
  browser?: TestBrowser;
  /** More /authorize parameters. */
  params?: Record<string, string>;
  /**
   * Push the parameters to /par first (RFC 9126) and send the browser to /authorize with only
   * client_id and the request_uri.
   */
  pushed?: boolean;
  /** Headers of the push to /par (a DPoP proof, RFC 9449 §10.1). */
  pushHeaders?: Record<string, string>;
}

export interface CodeResult {
  code: string;
  /** The PKCE verifier, when PKCE was used. */
  verifier?: string;
  /** The redirect back to the client, parsed. */
  callback: URL;
  browser: TestBrowser;
}

/**
 * Runs /authorize → login → consent in a cookie-keeping browser and returns the code from the
 * redirect back to the client (RFC 6749 §4.1.1-§4.1.2). Login and consent are skipped when the
 * browser already has a session and consent.
 */
export async function authorizeAndGetCode(
  sut: TestApp,
  client: TestClient,
  user: TestUser,
  options: AuthorizeOptions = {},
): Promise<CodeResult> {
  const browser = options.browser ?? new TestBrowser(sut);
  const pkce = options.pkce === false ? undefined : pkcePair();
  const redirectUri = options.redirectUri ?? REDIRECT_URI;
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: client.client_id,
    scope: options.scope ?? 'openid profile email offline_access',
    state: options.state ?? randomBytes(8).toString('hex'),
    ...(options.sendRedirectUri === false ? {} : { redirect_uri: redirectUri }),
    ...(options.nonce ? { nonce: options.nonce } : {}),
    ...(pkce ? { code_challenge: pkce.challenge, code_challenge_method: 'S256' } : {}),
    ...options.params,
  });

  let authorizeQuery = query;
  if (options.pushed) {
    const pushed = await pushAuthorizationRequest(
      sut,
      client,
      Object.fromEntries(query),
      options.pushHeaders,
    );
    expect(pushed.statusCode).toBe(201);
    authorizeQuery = new URLSearchParams({
      client_id: client.client_id,
      request_uri: pushed.json().request_uri,
    });
  }
  let step = await browser.get(`/authorize?${authorizeQuery.toString()}`);
  expect(step.statusCode).toBe(302);
  if (step.location?.startsWith('/login?')) {
    const page = await browser.get(step.location);
    expect(page.statusCode).toBe(200);
    const login = await browser.post('/login', {
      ...hiddenFields(page.body),
      username: user.username,
      password: user.password,
    });
    expect(login.statusCode).toBe(303);
    expect(login.location).toMatch(/^\/authorize\/continue\?interaction=/);
    step = await browser.get(login.location!);
    expect(step.statusCode).toBe(302);
  }
  if (step.location?.startsWith('/consent?')) {
    const page = await browser.get(step.location);
    expect(page.statusCode).toBe(200);
    step = await browser.post('/consent', {
      ...hiddenFields(page.body),
      decision: 'allow',
    });
    expect(step.statusCode).toBe(303);
  }
  expect(step.location?.startsWith(`${redirectUri}?`)).toBe(true);
  const callback = new URL(step.location!);
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${step.location}`);
  return { code, verifier: pkce?.verifier, callback, browser };
}

/** How a client authenticates at /token: Basic for confidential clients, client_id for public. */
export function clientAuth(client: TestClient): {
  form: Record<string, string>;
  headers: Record<string, string>;
} {
  return client.client_secret
    ? { form: {}, headers: { authorization: basicAuth(client.client_id, client.client_secret) } }
    : { form: { client_id: client.client_id }, headers: {} };
}

/** POST /par (RFC 9126 §2.1) as `client`, authenticated as at /token. */
export function pushAuthorizationRequest(
  sut: TestApp,
  client: TestClient,
  form: Record<string, string | string[]>,
  headers: Record<string, string> = {},
): Promise<InjectResult> {
  const auth = clientAuth(client);
  return sut.postForm('/par', { ...auth.form, ...form }, { ...auth.headers, ...headers });
}

/** POST /token as `client`. */
export function tokenRequest(
  sut: TestApp,
  client: TestClient,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<InjectResult> {
  const auth = clientAuth(client);
  return sut.postForm('/token', { ...auth.form, ...form }, { ...auth.headers, ...headers });
}

/** The code exchange (RFC 6749 §4.1.3) with the redirect_uri and verifier of `result`. */
export function exchangeCode(
  sut: TestApp,
  client: TestClient,
  result: Pick<CodeResult, 'code' | 'verifier'>,
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<InjectResult> {
  return tokenRequest(
    sut,
    client,
    {
      grant_type: 'authorization_code',
      code: result.code,
      redirect_uri: REDIRECT_URI,
      ...(result.verifier ? { code_verifier: result.verifier } : {}),
      ...extra,
    },
    headers,
  );
}

export interface TokenSet {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  id_token?: string;
  refresh_token?: string;
}

/** The whole flow through a successful code exchange. */
export async function signInForTokens(
  sut: TestApp,
  client: TestClient,
  user: TestUser,
  options: AuthorizeOptions = {},
): Promise<TokenSet> {
  const result = await authorizeAndGetCode(sut, client, user, options);
  const response = await exchangeCode(sut, client, result);
  expect(response.statusCode).toBe(200);
  return response.json<TokenSet>();
}

/** POST /token grant_type=refresh_token as `client`. */
export function refresh(
  sut: TestApp,
  client: TestClient,
  refreshToken: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<InjectResult> {
  return tokenRequest(
    sut,
    client,
    { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra },
    headers,
  );
}

/** GET /userinfo with a Bearer token. */
export function userinfo(sut: TestApp, accessToken: string): Promise<InjectResult> {
  return sut.request({
    method: 'GET',
    url: '/userinfo',
    headers: { authorization: `Bearer ${accessToken}` },
  });
}

/** The database under the app, for moving lifetimes into the past. */
export function dataSource(sut: TestApp): DataSource {
  return sut.app.get(DataSource);
}

/** The body of `invalid_grant` (RFC 6749 §5.2), with whatever description. */
export const INVALID_GRANT = { error: 'invalid_grant', error_description: expect.any(String) };
