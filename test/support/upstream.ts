import { expect } from 'expect';
import { TestBrowser } from './browser';
import { createClient, hiddenFields, TestUser } from './code-flow';
import { FetchBrowser } from './fetch-browser';
import { startListeningApp } from './listening-app';
import { InjectResult, TestApp } from './test-app';

/**
 * The downstream Gatehouse's issuer in the upstream tests: requests reach it by inject, so no
 * socket listens there; the upstream only sends browsers to it, which the tests follow by hand.
 */
export const DOWNSTREAM_ISSUER = 'http://127.0.0.1:3999';

/** A second Gatehouse on a real socket, the upstream OpenID Provider (discovery needs one). */
export async function startUpstream(): Promise<{ upstream: TestApp; issuer: string }> {
  const { sut, issuer } = await startListeningApp();
  return { upstream: sut, issuer };
}

/**
 * Registers the downstream at the upstream (a confidential client whose redirect URI is the
 * downstream's callback) and the upstream at the downstream (an identity provider `alias`).
 */
export async function connect(
  downstream: TestApp,
  upstream: TestApp,
  issuer: string,
  alias: string,
  overrides: Record<string, unknown> = {},
): Promise<{ client_id: string; client_secret: string }> {
  const client = await createClient(upstream, {
    client_name: `Downstream ${alias}`,
    redirect_uris: [`${DOWNSTREAM_ISSUER}/login/upstream/${alias}/callback`],
    grant_types: ['authorization_code'],
    scope: 'openid profile email',
  });
  const created = await downstream.admin('POST', '/admin/identity-providers', {
    alias,
    name: `Upstream ${alias}`,
    issuer,
    client_id: client.client_id,
    client_secret: client.client_secret,
    ...overrides,
  });
  expect(created.statusCode).toBe(201);
  return { client_id: client.client_id, client_secret: client.client_secret! };
}

/**
 * At the upstream, in its own browser: the login form as `user`, then the consent page's
 * `decision`. Returns where the upstream sends the browser back (the downstream's callback).
 */
export async function signInAtUpstream(
  base: string,
  authorizationUrl: string,
  user: TestUser,
  decision: 'allow' | 'deny' = 'allow',
): Promise<URL> {
  const browser = new FetchBrowser(base);
  const start = await browser.get(authorizationUrl);
  expect(start.status).toBe(302);
  const loginPage = await browser.get(start.headers.get('location')!);
  expect(loginPage.status).toBe(200);
  const login = await browser.post('/login', {
    ...hiddenFields(await loginPage.text()),
    username: user.username,
    password: user.password,
  });
  expect(login.status).toBe(303);
  const resume = await browser.get(login.headers.get('location')!);
  expect(resume.status).toBe(302);
  // Consent remembered from an earlier sign-in: straight back to the downstream.
  const next = new URL(resume.headers.get('location')!, base);
  if (next.origin !== base) return next;
  const consentPage = await browser.get(resume.headers.get('location')!);
  expect(consentPage.status).toBe(200);
  const consent = await browser.post('/consent', {
    ...hiddenFields(await consentPage.text()),
    decision,
  });
  expect(consent.status).toBe(303);
  return new URL(consent.headers.get('location')!);
}

/** The downstream part of a callback URL, as its browser requests it. */
export function callbackPath(callback: URL): string {
  return callback.pathname + callback.search;
}

/** Starts at the downstream, signs in at the upstream, and returns to the downstream's callback. */
export async function federatedSignIn(
  browser: TestBrowser,
  alias: string,
  upstreamBase: string,
  user: TestUser,
  decision: 'allow' | 'deny' = 'allow',
): Promise<{ callback: URL; answer: Awaited<ReturnType<TestBrowser['get']>> }> {
  const start = await browser.get(`/login/upstream/${alias}`);
  expect(start.statusCode).toBe(302);
  const callback = await signInAtUpstream(upstreamBase, start.location!, user, decision);
  expect(callback.origin + callback.pathname).toBe(
    `${DOWNSTREAM_ISSUER}/login/upstream/${alias}/callback`,
  );
  const answer = await browser.get(callbackPath(callback));
  return { callback, answer };
}

/** The audit events of `type` at `sut`, newest first. */
export async function auditOf(sut: TestApp, type: string): Promise<Array<Record<string, any>>> {
  const response: InjectResult = await sut.admin(
    'GET',
    `/admin/audit-events?${new URLSearchParams({ type, limit: '200' }).toString()}`,
  );
  expect(response.statusCode).toBe(200);
  return response.json();
}
