import { expect } from 'expect';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { TestBrowser } from './support/browser';
import {
  createPublicClient,
  createUser,
  hiddenFields,
  INVALID_GRANT,
  pkcePair,
  refresh,
  TestUser,
} from './support/code-flow';
import { createRole, setUserRoles } from './support/access';
import { AUDIT_USER_AGENT, adminCall, auditEvent } from './support/audit';
import { formBody, InjectResult, startTestApp, TestApp } from './support/test-app';

const ISSUER = 'http://localhost:3000';
const CONSOLE = { client_id: 'gatehouse-console' };
const CALLBACK = `${ISSUER}/console/callback`;
const SIGNED_OUT = `${ISSUER}/console/signed-out`;
const CONSOLE_SCOPE = 'openid profile offline_access iam:admin iam:check';

interface ConsoleSignIn {
  browser: TestBrowser;
  tokens: {
    access_token: string;
    refresh_token: string;
    id_token: string;
    scope: string;
    expires_in: number;
  };
}

/** /authorize → login → (no consent) → callback, with PKCE S256, then the code exchange. */
async function consoleSignIn(
  sut: TestApp,
  user: TestUser,
  browser = new TestBrowser(sut),
): Promise<ConsoleSignIn> {
  const pkce = pkcePair();
  const state = randomBytes(8).toString('hex');
  const query = formBody({
    response_type: 'code',
    client_id: CONSOLE.client_id,
    redirect_uri: CALLBACK,
    scope: CONSOLE_SCOPE,
    state,
    nonce: randomBytes(8).toString('hex'),
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
  });
  let step = await browser.get(`/authorize?${query}`);
  expect(step.statusCode).toBe(302);
  if (step.location?.startsWith('/login?')) {
    const page = await browser.get(step.location);
    const login = await browser.post('/login', {
      ...hiddenFields(page.body),
      username: user.username,
      password: user.password,
    });
    expect(login.statusCode).toBe(303);
    step = await browser.get(login.location!);
  }
  // The console asks no consent: straight back to its callback.
  expect(step.statusCode).toBe(302);
  expect(step.location).toMatch(new RegExp(`^${CALLBACK}\\?`));
  const callback = new URL(step.location!);
  expect(callback.searchParams.get('state')).toBe(state);
  expect(callback.searchParams.get('iss')).toBe(ISSUER);
  const response = await sut.postForm('/token', {
    grant_type: 'authorization_code',
    client_id: CONSOLE.client_id,
    code: callback.searchParams.get('code')!,
    redirect_uri: CALLBACK,
    code_verifier: pkce.verifier,
  });
  expect(response.statusCode).toBe(200);
  return { browser, tokens: response.json() };
}

function bearer(sut: TestApp, token: string, method: string, url: string, payload?: object) {
  return sut.request({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(payload ? { 'content-type': 'application/json' } : {}),
    },
    payload,
  });
}

function expectManaged(response: InjectResult): void {
  expect(response.statusCode).toBe(409);
  expect(response.json()).toEqual({
    error: 'conflict',
    message: expect.stringContaining('is managed by Gatehouse'),
  });
}

describe('the console client gatehouse-console', () => {
  let sut: TestApp;
  let adminUser: TestUser;
  let plainUser: TestUser;

  before(async () => {
    sut = await startTestApp();
    const role = await createRole(sut, ['iam:admin', 'iam:check']);
    adminUser = await createUser(sut);
    await setUserRoles(sut, adminUser.id, [role]);
    plainUser = await createUser(sut);
  });

  after(async () => {
    await sut.close();
  });

  it('is ensured at start: public, PKCE code flow with refresh, fixed URIs, short tokens', async () => {
    const response = await sut.admin('GET', '/admin/clients/gatehouse-console');

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      client_id: 'gatehouse-console',
      client_type: 'public',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [CALLBACK],
      post_logout_redirect_uris: [SIGNED_OUT],
      scope: CONSOLE_SCOPE,
      access_token_lifetime: 300,
      refresh_token_lifetime: 28800,
      status: 'active',
    });
    expect(response.json()).not.toHaveProperty('client_secret');
  });

  it('is listed by GET /admin/clients', async () => {
    const response = await sut.admin('GET', '/admin/clients?limit=200');

    expect(response.statusCode).toBe(200);
    expect(response.json().map((c: { client_id: string }) => c.client_id)).toContain(
      'gatehouse-console',
    );
  });

  it('refuses PATCH, DELETE and secret rotation with 409 (managed by Gatehouse)', async () => {
    expectManaged(
      await sut.admin('PATCH', '/admin/clients/gatehouse-console', {
        redirect_uris: [CALLBACK, 'https://evil.example/cb'],
      }),
    );
    expectManaged(await sut.admin('DELETE', '/admin/clients/gatehouse-console'));
    expectManaged(await sut.admin('POST', '/admin/clients/gatehouse-console/secret', {}));

    const after = await sut.admin('GET', '/admin/clients/gatehouse-console');
    expect(after.json().redirect_uris).toEqual([CALLBACK]);
  });

  it('skips the consent page, where another public client shows it', async () => {
    const other = await createPublicClient(sut);
    const browser = new TestBrowser(sut);
    await consoleSignIn(sut, plainUser, browser);
    const pkce = pkcePair();

    const step = await browser.get(
      `/authorize?${formBody({
        response_type: 'code',
        client_id: other.client_id,
        redirect_uri: 'https://app.example.com/cb',
        scope: 'openid',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      })}`,
    );

    expect(step.statusCode).toBe(302);
    expect(step.location).toMatch(/^\/consent\?/);
  });

  it('still shows the consent page when the request says prompt=consent', async () => {
    const { browser } = await consoleSignIn(sut, plainUser);
    const pkce = pkcePair();

    const step = await browser.get(
      `/authorize?${formBody({
        response_type: 'code',
        client_id: CONSOLE.client_id,
        redirect_uri: CALLBACK,
        scope: 'openid',
        prompt: 'consent',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      })}`,
    );

    expect(step.statusCode).toBe(302);
    expect(step.location).toMatch(/^\/consent\?/);
  });

  it('refuses a redirect URI other than its callback', async () => {
    const pkce = pkcePair();

    const response = await sut.request({
      method: 'GET',
      url: `/authorize?${formBody({
        response_type: 'code',
        client_id: CONSOLE.client_id,
        redirect_uri: 'https://evil.example/console/callback',
        scope: 'openid',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      })}`,
    });

    expect(response.statusCode).toBe(400);
  });

  it('requires PKCE (a public client)', async () => {
    const browser = new TestBrowser(sut);
    const response = await browser.get(
      `/authorize?${formBody({
        response_type: 'code',
        client_id: CONSOLE.client_id,
        redirect_uri: CALLBACK,
        scope: 'openid',
        state: 'x',
      })}`,
    );

    expect(response.statusCode).toBe(302);
    const location = new URL(response.location!);
    expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });

  it('gives an admin person a 300-second token with iam:admin that the admin API takes', async () => {
    const { tokens } = await consoleSignIn(sut, adminUser);

    expect(tokens.scope.split(' ').sort()).toEqual(
      ['iam:admin', 'iam:check', 'offline_access', 'openid', 'profile'].sort(),
    );
    expect(tokens.expires_in).toBe(300);
    const claims = decodeJwt(tokens.access_token);
    expect(claims.sub).toBe(adminUser.id);
    expect(claims.client_id).toBe('gatehouse-console');
    const list = await bearer(sut, tokens.access_token, 'GET', '/admin/clients');
    expect(list.statusCode).toBe(200);
  });

  it('gives a person without the admin role no iam:admin, and the admin API answers 403', async () => {
    const { tokens } = await consoleSignIn(sut, plainUser);

    expect(tokens.scope.split(' ').sort()).toEqual(['offline_access', 'openid', 'profile']);
    const list = await bearer(sut, tokens.access_token, 'GET', '/admin/clients');
    expect(list.statusCode).toBe(403);
    expect(list.headers['www-authenticate']).toBe(
      'Bearer realm="gatehouse", error="insufficient_scope", scope="iam:admin"',
    );
  });

  it('rotates the refresh token: the new one works, the old one is refused', async () => {
    const { tokens } = await consoleSignIn(sut, adminUser);
    const client = { client_id: CONSOLE.client_id };

    const first = await refresh(sut, client, tokens.refresh_token);
    expect(first.statusCode).toBe(200);
    const rotated = first.json();
    expect(rotated.refresh_token).toEqual(expect.any(String));
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
    expect(rotated.scope.split(' ')).toContain('iam:admin');
    expect((await bearer(sut, rotated.access_token, 'GET', '/admin/clients')).statusCode).toBe(200);

    const replay = await refresh(sut, client, tokens.refresh_token);
    expect(replay.statusCode).toBe(400);
    expect(replay.json()).toEqual(INVALID_GRANT);
  });

  it('signs out with id_token_hint and goes back to /console/signed-out with state', async () => {
    const { browser, tokens } = await consoleSignIn(sut, adminUser);

    const response = await browser.get(
      `/logout?${formBody({
        id_token_hint: tokens.id_token,
        post_logout_redirect_uri: SIGNED_OUT,
        state: 'bye',
      })}`,
    );

    expect(response.statusCode).toBe(303);
    expect(response.location).toBe(`${SIGNED_OUT}?state=bye`);
    const again = await browser.get(
      `/authorize?${formBody({
        response_type: 'code',
        client_id: CONSOLE.client_id,
        redirect_uri: CALLBACK,
        scope: 'openid',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      })}`,
    );
    expect(again.location).toMatch(/^\/login\?/);
  });

  it('records the person, not the client, as the actor of an admin change made with their token', async () => {
    const { tokens } = await consoleSignIn(sut, adminUser);

    const created = await adminCall(sut, tokens.access_token, 'POST', '/admin/clients', {
      client_name: 'Made in the console',
      client_type: 'm2m',
      grant_types: ['client_credentials'],
    });
    expect(created.statusCode).toBe(201);
    const clientId = created.json().client_id as string;

    const events = await sut.admin(
      'GET',
      `/admin/audit-events?type=client.created&target_id=${clientId}`,
    );
    expect(events.statusCode).toBe(200);
    expect(events.json()).toEqual([
      auditEvent({
        type: 'client.created',
        actor: { type: 'user', id: adminUser.id },
        target: { type: 'client', id: clientId },
        user_agent: AUDIT_USER_AGENT,
        details: {
          client_id: 'gatehouse-console',
          client_name: 'Made in the console',
          client_type: 'm2m',
          registered_by: 'admin',
        },
      }),
    ]);
    const byPerson = await sut.admin('GET', `/admin/audit-events?actor_id=${adminUser.id}`);
    expect(byPerson.json().map((e: { type: string }) => e.type)).toContain('client.created');
  });

  it('still records a client acting for itself as the client', async () => {
    const created = await sut.admin('POST', '/admin/clients', {
      client_name: 'By the admin client',
      client_type: 'm2m',
      grant_types: ['client_credentials'],
    });
    const clientId = created.json().client_id as string;

    const events = await sut.admin(
      'GET',
      `/admin/audit-events?type=client.created&target_id=${clientId}`,
    );

    expect(events.json()).toHaveLength(1);
    expect(events.json()[0].actor).toEqual({ type: 'client', id: 'test-admin-client' });
    expect(events.json()[0].details).not.toHaveProperty('client_id');
  });
});

describe('CONSOLE_ENABLED=false', () => {
  let sut: TestApp;

  before(async () => {
    sut = await startTestApp({ CONSOLE_ENABLED: 'false' });
  });

  after(async () => {
    await sut.close();
  });

  it('leaves the console client disabled', async () => {
    const response = await sut.admin('GET', '/admin/clients/gatehouse-console');

    expect(response.statusCode).toBe(200);
    expect(response.json().status).toBe('disabled');
  });

  it('answers 404 under /console', async () => {
    for (const url of ['/console', '/console/', '/console/clients', '/console/config.json']) {
      const response = await sut.request({ method: 'GET', url });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 404 });
    }
    const setup = await sut.request({
      method: 'POST',
      url: '/console/setup',
      headers: { 'content-type': 'application/json' },
      payload: { token: 'x', username: 'someone', password: 'long enough password 1' },
    });
    expect(setup.statusCode).toBe(404);
  });

  it('refuses the console client at /authorize', async () => {
    const response = await sut.request({
      method: 'GET',
      url: `/authorize?${formBody({
        response_type: 'code',
        client_id: CONSOLE.client_id,
        redirect_uri: CALLBACK,
        scope: 'openid',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      })}`,
    });

    expect(response.statusCode).toBe(400);
  });
});

describe('MFA_REQUIRED_CLIENTS=gatehouse-console', () => {
  let sut: TestApp;

  before(async () => {
    // The console's client id is fixed, so it can be named before the first start.
    sut = await startTestApp({ MFA_REQUIRED_CLIENTS: 'gatehouse-console' });
  });

  after(async () => {
    await sut.close();
  });

  it('leads a person without a second factor to enrol one before the console gets a code', async () => {
    const user = await createUser(sut);
    const browser = new TestBrowser(sut);
    const start = await browser.get(
      `/authorize?${formBody({
        response_type: 'code',
        client_id: CONSOLE.client_id,
        redirect_uri: CALLBACK,
        scope: 'openid',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      })}`,
    );
    const page = await browser.get(start.location!);
    const login = await browser.post('/login', {
      ...hiddenFields(page.body),
      username: user.username,
      password: user.password,
    });

    const next = await browser.get(login.location!);

    expect(next.statusCode).toBe(302);
    expect(next.location).toMatch(/^\/account\/security\?interaction=/);
  });
});
