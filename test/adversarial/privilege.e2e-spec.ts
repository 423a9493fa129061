import { expect } from 'expect';
import { decodeJwt } from 'jose';
import { after, before, describe, it } from 'node:test';
import { TestBrowser } from '../support/browser';
import {
  authorizeAndGetCode,
  createClient,
  createUser,
  dataSource,
  exchangeCode,
  PASSWORD,
  REDIRECT_URI,
  refresh,
  signInForTokens,
  TestClient,
  TestUser,
  TokenSet,
  userinfo,
} from '../support/code-flow';
import {
  check,
  clientToken,
  createRole,
  createService,
  requestClientToken,
  setClientRoles,
  setUserRoles,
  unique,
  within,
} from '../support/access';
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  basicAuth,
  InjectResult,
  startTestApp,
  TestApp,
} from '../support/test-app';
import { NEEDS_POSTGRES_SERVER } from '../support/test-database';
import { twoProcessesOnOneDatabase } from '../support/two-processes';
import { AccessState } from '../../src/access/engine/access-state';

/**
 * Who can obtain Gatehouse's own power, and whether a change ends what it should
 * (docs/security/privilege.md). Each test here fails if the shared mechanism it names breaks.
 */

const CONSOLE_SCOPE = 'openid profile offline_access iam:admin iam:check';
const NEW_PASSWORD = 'another horse battery staple';
const INSUFFICIENT = {
  error: 'insufficient_scope',
  message: 'the access token lacks the iam:admin scope',
};
const REFRESH_INVALID = {
  error: 'invalid_grant',
  error_description: 'the refresh token is invalid, expired or revoked',
};

/** A call to the admin API with `token` as Bearer. */
function asAdmin(sut: TestApp, token: string, url = '/admin/clients'): Promise<InjectResult> {
  return sut.request({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
}

function scopesOf(token: string): string[] {
  return String(decodeJwt(token).scope).split(' ').filter(Boolean);
}

/**
 * Resolves just after the start of a whole second, so what follows shares one second. Real time,
 * not a TestClock: cut-offs come from the app's clock, but codes and refresh tokens are stamped
 * by the database's (docs/decisions/0102-password-change-sets-the-cutoff.md), which it cannot move.
 */
function startOfSecond(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1005 - (Date.now() % 1000)));
}

describe('privilege: who can obtain Gatehouse’s own scopes (iam:*)', () => {
  let sut: TestApp;
  let adminConsole: TestClient;
  let adminRole: string;

  before(async () => {
    sut = await startTestApp({ REGISTRATION_MODE: 'open', SIGNUP_ENABLED: 'true' });
    // An administrator registers a console whose scope includes iam:admin: a ceiling, no grant.
    adminConsole = await createClient(sut, { client_name: 'Console', scope: CONSOLE_SCOPE });
    adminRole = await createRole(sut, ['iam:admin']);
  });
  after(() => sut.close());

  /** A person with an administrator role, signed in through the console. */
  async function administrator(): Promise<{ user: TestUser; tokens: TokenSet }> {
    const user = await createUser(sut);
    await setUserRoles(sut, user.id, [adminRole]);
    const tokens = await signInForTokens(sut, adminConsole, user, {
      scope: 'openid iam:admin offline_access',
    });
    return { user, tokens };
  }

  describe('a person', () => {
    it('who signed up (POST /accounts) and asks the console for openid iam:admin gets no iam:admin, and the admin API answers 403', async () => {
      const username = unique('stranger');
      const signUp = await sut.request({
        method: 'POST',
        url: '/accounts',
        headers: { 'content-type': 'application/json' },
        payload: { username, password: PASSWORD, email: `${username}@example.com` },
      });
      expect(signUp.statusCode).toBe(201);
      const stranger = { id: signUp.json().id, username, password: PASSWORD };

      const tokens = await signInForTokens(sut, adminConsole, stranger, {
        scope: 'openid iam:admin iam:check offline_access',
      });
      expect(tokens.scope).toBe('openid offline_access');
      expect(scopesOf(tokens.access_token)).toEqual(['openid', 'offline_access']);
      const admin = await asAdmin(sut, tokens.access_token);
      expect(admin.statusCode).toBe(403);
      expect(admin.json()).toEqual(INSUFFICIENT);

      // A refresh is a grant too: asking for iam:admin again still gets none.
      const refreshed = await refresh(sut, adminConsole, tokens.refresh_token!, {
        scope: 'openid iam:admin offline_access',
      });
      expect(refreshed.statusCode).toBe(200);
      expect(refreshed.json().scope).toBe('openid offline_access');
      expect(scopesOf(refreshed.json().access_token)).not.toContain('iam:admin');
    });

    it('cannot give themselves a role: sign-up refuses extra fields, and the admin API refuses their token', async () => {
      const username = unique('climber');
      const signUp = await sut.request({
        method: 'POST',
        url: '/accounts',
        headers: { 'content-type': 'application/json' },
        payload: { username, password: PASSWORD, roles: [adminRole] },
      });
      expect(signUp.statusCode).toBe(400);
      expect(signUp.json()).toMatchObject({
        error: 'invalid_request',
        details: [{ field: 'roles', problem: expect.any(String) }],
      });

      const user = await createUser(sut);
      const tokens = await signInForTokens(sut, adminConsole, user, { scope: 'openid iam:admin' });
      const grant = await sut.request({
        method: 'PUT',
        url: `/admin/users/${user.id}/roles`,
        headers: {
          authorization: `Bearer ${tokens.access_token}`,
          'content-type': 'application/json',
        },
        payload: { roles: [adminRole] },
      });
      expect(grant.statusCode).toBe(403);
      expect(grant.json()).toEqual(INSUFFICIENT);
    });

    it('given a role holding iam:admin by an administrator gets it, and the admin API answers 200', async () => {
      const { tokens } = await administrator();
      expect(tokens.scope).toBe('openid iam:admin offline_access');
      expect(scopesOf(tokens.access_token)).toContain('iam:admin');
      const admin = await asAdmin(sut, tokens.access_token);
      expect(admin.statusCode).toBe(200);
    });

    it('whose role is taken away loses the power at once: the same token gets 403, and refresh drops iam:admin until the role is given back', async () => {
      const { user, tokens } = await administrator();
      expect((await asAdmin(sut, tokens.access_token)).statusCode).toBe(200);

      await setUserRoles(sut, user.id, []);
      const after = await asAdmin(sut, tokens.access_token, '/admin/users');
      expect(after.statusCode).toBe(403);
      expect(after.json()).toEqual(INSUFFICIENT);
      // Introspection (RFC 7662) tells a resource server the same.
      const introspected = await sut.postForm(
        '/introspect',
        { token: tokens.access_token },
        { authorization: basicAuth(ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET) },
      );
      expect(introspected.json()).toMatchObject({ active: true, scope: 'openid offline_access' });

      const refreshed = await refresh(sut, adminConsole, tokens.refresh_token!);
      expect(refreshed.statusCode).toBe(200);
      expect(refreshed.json().scope).toBe('openid offline_access');
      expect((await asAdmin(sut, refreshed.json().access_token)).statusCode).toBe(403);

      // Given back on purpose by an administrator, the next refresh grants it again.
      await setUserRoles(sut, user.id, [adminRole]);
      const again = await refresh(sut, adminConsole, refreshed.json().refresh_token);
      expect(again.statusCode).toBe(200);
      expect(again.json().scope).toBe('openid iam:admin offline_access');
    });

    it("loses the power when the client's registered scope is narrowed: the same token gets 403, and refresh drops iam:admin", async () => {
      const narrowed = await createClient(sut, { client_name: 'Console 2', scope: CONSOLE_SCOPE });
      const user = await createUser(sut);
      await setUserRoles(sut, user.id, [adminRole]);
      const tokens = await signInForTokens(sut, narrowed, user, {
        scope: 'openid iam:admin offline_access',
      });
      expect((await asAdmin(sut, tokens.access_token)).statusCode).toBe(200);

      const patch = await sut.admin('PATCH', `/admin/clients/${narrowed.client_id}`, {
        scope: 'openid profile offline_access',
      });
      expect(patch.statusCode).toBe(200);
      const after = await asAdmin(sut, tokens.access_token);
      expect(after.statusCode).toBe(403);
      expect(after.json()).toEqual(INSUFFICIENT);

      const refreshed = await refresh(sut, narrowed, tokens.refresh_token!);
      expect(refreshed.statusCode).toBe(200);
      expect(refreshed.json().scope).toBe('openid offline_access');

      // Registered for it again on purpose by an administrator, the next refresh grants it.
      await sut.admin('PATCH', `/admin/clients/${narrowed.client_id}`, { scope: CONSOLE_SCOPE });
      const again = await refresh(sut, narrowed, refreshed.json().refresh_token);
      expect(again.statusCode).toBe(200);
      expect(again.json().scope).toBe('openid iam:admin offline_access');
    });

    it("a code exchanged after the client's scope was narrowed gets only what the client is registered for now", async () => {
      const narrowed = await createClient(sut, { client_name: 'Console 3', scope: CONSOLE_SCOPE });
      const user = await createUser(sut);
      await setUserRoles(sut, user.id, [adminRole]);
      const code = await authorizeAndGetCode(sut, narrowed, user, {
        scope: 'openid iam:admin offline_access',
      });
      await sut.admin('PATCH', `/admin/clients/${narrowed.client_id}`, {
        scope: 'openid offline_access',
      });
      const exchanged = await exchangeCode(sut, narrowed, code);
      expect(exchanged.statusCode).toBe(200);
      expect(exchanged.json().scope).toBe('openid offline_access');
    });
  });

  describe('a client acting for itself (client_credentials)', () => {
    it('registered by an administrator for iam:admin gets it, and loses it when the registration is narrowed', async () => {
      const service = await createService(sut, 'iam:admin reports');
      const token = await clientToken(sut, service, 'iam:admin');
      expect(scopesOf(token)).toEqual(['iam:admin']);
      expect((await asAdmin(sut, token)).statusCode).toBe(200);

      await sut.admin('PATCH', `/admin/clients/${service.client_id}`, { scope: 'reports' });
      const after = await asAdmin(sut, token);
      expect(after.statusCode).toBe(403);
      expect(after.json()).toEqual(INSUFFICIENT);
      const ask = await requestClientToken(sut, service, { scope: 'iam:admin' });
      expect(ask.statusCode).toBe(400);
      expect(ask.json()).toEqual({
        error: 'invalid_scope',
        error_description: 'the client may not request iam:admin',
      });
    });
  });

  describe('while the permission state is unknown', () => {
    it("a person's iam:admin token gets 503 from the admin API, never a guess", async () => {
      const user = await createUser(sut);
      await setUserRoles(sut, user.id, [adminRole]);
      const tokens = await signInForTokens(sut, adminConsole, user, { scope: 'openid iam:admin' });
      const state = sut.app.get(AccessState);
      state.known = false;
      try {
        const response = await asAdmin(sut, tokens.access_token);
        expect(response.statusCode).toBe(503);
        expect(response.json()).toEqual({
          error: 'temporarily_unavailable',
          message: 'access decisions are unavailable: the server cannot tell',
        });
      } finally {
        state.known = true;
      }
      expect((await asAdmin(sut, tokens.access_token)).statusCode).toBe(200);
    });
  });

  describe('dynamic registration (RFC 7591, RFC 7592)', () => {
    const register = (body: object) =>
      sut.request({
        method: 'POST',
        url: '/register',
        headers: { 'content-type': 'application/json' },
        payload: body,
      });
    const metadata = {
      client_name: 'Self-registered',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'client_credentials'],
      response_types: ['code'],
    };

    for (const scope of ['openid iam:admin', 'iam:check', 'openid iam:anything']) {
      it(`refuses to register scope "${scope}" with invalid_client_metadata`, async () => {
        const response = await register({ ...metadata, scope });
        expect(response.statusCode).toBe(400);
        const reserved = scope.split(' ').filter((s) => s.startsWith('iam:'));
        expect(response.json()).toEqual({
          error: 'invalid_client_metadata',
          error_description: `scope ${reserved.join(' ')} cannot be registered dynamically`,
        });
      });
    }

    it('refuses an RFC 7592 update that adds iam:admin, and the client keeps its scope', async () => {
      const registered = await register({ ...metadata, scope: 'openid' });
      expect(registered.statusCode).toBe(201);
      const { client_id, registration_access_token } = registered.json();
      const headers = {
        authorization: `Bearer ${registration_access_token}`,
        'content-type': 'application/json',
      };
      const update = await sut.request({
        method: 'PUT',
        url: `/register/${client_id}`,
        headers,
        payload: { ...metadata, client_id, scope: 'openid iam:admin' },
      });
      expect(update.statusCode).toBe(400);
      expect(update.json()).toEqual({
        error: 'invalid_client_metadata',
        error_description: 'scope iam:admin cannot be registered dynamically',
      });
      const read = await sut.admin('GET', `/admin/clients/${client_id}`);
      expect(read.json().scope).toBe('openid');
    });
  });
});

describe('privilege: a deleted role leaves nothing behind in memory', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp();
  });
  after(() => sut.close());

  it('deleted and re-created by the same name, it has no holders: a client loses the permission at issuance and at /access/check', async () => {
    const role = await createRole(sut, ['invoices:read']);
    const service = await createService(sut, 'invoices:read', [role]);
    const token = await clientToken(sut, service);
    expect(scopesOf(token)).toEqual(['invoices:read']);
    expect((await check(sut, token, 'invoices', 'read')).json()).toMatchObject({
      allowed: true,
      reason: 'allowed',
    });

    expect((await sut.admin('DELETE', `/admin/roles/${role}`)).statusCode).toBe(204);
    await createRole(sut, ['invoices:read'], role);

    const decision = await check(sut, token, 'invoices', 'read');
    expect(decision.statusCode).toBe(200);
    expect(decision.json()).toMatchObject({ allowed: false, reason: 'permission_denied' });
    const issued = await requestClientToken(sut, service, {});
    expect(issued.statusCode).toBe(200);
    expect(issued.json().scope).toBe('');

    // Assigned again on purpose, it works again.
    await setClientRoles(sut, service.client_id, [role]);
    expect((await check(sut, token, 'invoices', 'read')).json()).toMatchObject({ allowed: true });
  });

  it('deleted and re-created by the same name, it has no holders: a person loses the permission and the iam:admin it held', async () => {
    const role = await createRole(sut, ['invoices:read', 'iam:admin']);
    const app = await createClient(sut, {
      scope: 'openid offline_access invoices:read iam:admin',
    });
    const user = await createUser(sut);
    await setUserRoles(sut, user.id, [role]);
    const tokens = await signInForTokens(sut, app, user, {
      scope: 'openid offline_access invoices:read iam:admin',
    });
    expect(tokens.scope).toBe('openid offline_access invoices:read iam:admin');
    expect((await asAdmin(sut, tokens.access_token)).statusCode).toBe(200);

    expect((await sut.admin('DELETE', `/admin/roles/${role}`)).statusCode).toBe(204);
    await createRole(sut, ['invoices:read', 'iam:admin'], role);

    expect((await check(sut, tokens.access_token, 'invoices', 'read')).json()).toMatchObject({
      allowed: false,
      reason: 'permission_denied',
    });
    expect((await asAdmin(sut, tokens.access_token)).statusCode).toBe(403);
    const refreshed = await refresh(sut, app, tokens.refresh_token!);
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json().scope).toBe('openid offline_access');
  });
});

describe('privilege: a password change or a disable ends every sign-in', () => {
  let sut: TestApp;
  let app: TestClient;
  before(async () => {
    sut = await startTestApp();
    app = await createClient(sut);
  });
  after(() => sut.close());

  const rows = async (userId: string) => {
    const [counts] = await dataSource(sut).query<Array<{ sessions: number; live: number }>>(
      `SELECT (SELECT count(*)::int FROM browser_sessions WHERE user_id = $1) AS sessions,
              (SELECT count(*)::int FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL) AS live`,
      [userId],
    );
    return counts;
  };

  /** Whether the browser's session still signs in without a password. */
  const signedIn = async (browser: TestBrowser) =>
    (await browser.get('/account')).statusCode === 200;

  it("an administrator's password change ends the refresh families, the browser sessions and the access tokens", async () => {
    const user = await createUser(sut);
    const first = await authorizeAndGetCode(sut, app, user);
    const tokens = (await exchangeCode(sut, app, first)).json<TokenSet>();
    const other = await signInForTokens(sut, app, user);
    expect(await signedIn(first.browser)).toBe(true);
    expect(await rows(user.id)).toEqual({ sessions: 2, live: 2 });

    const change = await sut.admin('PATCH', `/admin/users/${user.id}`, { password: NEW_PASSWORD });
    expect(change.statusCode).toBe(200);

    expect(await rows(user.id)).toEqual({ sessions: 0, live: 0 });
    expect(await signedIn(first.browser)).toBe(false);
    const again = await first.browser.get(
      `/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: app.client_id,
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
      }).toString()}`,
    );
    expect(again.statusCode).toBe(302);
    expect(again.location).toMatch(/^\/login\?/);
    for (const refreshToken of [tokens.refresh_token!, other.refresh_token!]) {
      const refreshed = await refresh(sut, app, refreshToken);
      expect(refreshed.statusCode).toBe(400);
      expect(refreshed.json()).toEqual(REFRESH_INVALID);
    }
    expect((await userinfo(sut, tokens.access_token)).statusCode).toBe(401);

    // The new password signs in at once, and what it gets works (even within the same second).
    const renewed = await signInForTokens(sut, app, { ...user, password: NEW_PASSWORD });
    expect((await userinfo(sut, renewed.access_token)).statusCode).toBe(200);
    expect((await refresh(sut, app, renewed.refresh_token!)).statusCode).toBe(200);
  });

  it('a disable ends the sessions and refresh families, which stay ended once the user is enabled again', async () => {
    const user = await createUser(sut);
    const first = await authorizeAndGetCode(sut, app, user);
    const tokens = (await exchangeCode(sut, app, first)).json<TokenSet>();
    await sut.admin('PATCH', `/admin/users/${user.id}`, { status: 'disabled' });
    expect(await rows(user.id)).toEqual({ sessions: 0, live: 0 });
    await sut.admin('PATCH', `/admin/users/${user.id}`, { status: 'active' });

    expect(await signedIn(first.browser)).toBe(false);
    const refreshed = await refresh(sut, app, tokens.refresh_token!);
    expect(refreshed.statusCode).toBe(400);
    expect(refreshed.json()).toEqual(REFRESH_INVALID);
  });

  it('a change of profile alone ends nothing', async () => {
    const user = await createUser(sut);
    const first = await authorizeAndGetCode(sut, app, user);
    const tokens = (await exchangeCode(sut, app, first)).json<TokenSet>();
    await sut.admin('PATCH', `/admin/users/${user.id}`, { name: 'Alice Renamed' });
    expect(await signedIn(first.browser)).toBe(true);
    expect((await userinfo(sut, tokens.access_token)).statusCode).toBe(200);
    expect((await refresh(sut, app, tokens.refresh_token!)).statusCode).toBe(200);
  });

  it('a session begun before the cut-off is refused even if it escaped the sign-out', async () => {
    const user = await createUser(sut);
    const first = await authorizeAndGetCode(sut, app, user);
    // As if a session had been written by a sign-in racing the change.
    await dataSource(sut).query(
      `UPDATE users SET tokens_valid_after = now() + interval '1 millisecond' WHERE id = $1`,
      [user.id],
    );
    expect(await signedIn(first.browser)).toBe(false);
  });
});

describe('privilege: tokens asked for in the second of a disable and enable', () => {
  let sut: TestApp;
  before(async () => {
    sut = await startTestApp();
  });
  after(() => sut.close());

  const cutoff = async (table: 'clients' | 'users', column: string, id: string) => {
    const [row] = await dataSource(sut).query<Array<{ at: Date }>>(
      `SELECT tokens_valid_after AS at FROM ${table} WHERE ${column} = $1`,
      [id],
    );
    return row.at.getTime();
  };

  it('a client: the token from before the disable is dead, the one asked for after the enable lives', async () => {
    const role = await createRole(sut, ['invoices:read']);
    const service = await createService(sut, 'invoices:read', [role]);
    await startOfSecond();
    const before = await clientToken(sut, service);
    await sut.admin('PATCH', `/admin/clients/${service.client_id}`, { status: 'disabled' });
    await sut.admin('PATCH', `/admin/clients/${service.client_id}`, { status: 'active' });
    const afterwards = await clientToken(sut, service);

    const at = await cutoff('clients', 'client_id', service.client_id);
    expect(Number(decodeJwt(before).iat) * 1000).toBeLessThanOrEqual(at);
    expect(Number(decodeJwt(afterwards).iat) * 1000).toBeGreaterThan(at);
    expect((await check(sut, before, 'invoices', 'read')).json()).toMatchObject({
      allowed: false,
      reason: 'token_revoked',
    });
    expect((await check(sut, afterwards, 'invoices', 'read')).json()).toMatchObject({
      allowed: true,
      reason: 'allowed',
    });
  });

  it('a person: the token from before the disable is dead, the one from a sign-in after the enable lives', async () => {
    const app = await createClient(sut);
    const user = await createUser(sut);
    const browser = new TestBrowser(sut);
    const before = await signInForTokens(sut, app, user, { browser });
    await startOfSecond();
    await sut.admin('PATCH', `/admin/users/${user.id}`, { status: 'disabled' });
    await sut.admin('PATCH', `/admin/users/${user.id}`, { status: 'active' });
    const afterwards = await signInForTokens(sut, app, user);

    const at = await cutoff('users', 'id', user.id);
    expect(Number(decodeJwt(afterwards.access_token).iat) * 1000).toBeGreaterThan(at);
    expect((await userinfo(sut, before.access_token)).statusCode).toBe(401);
    expect((await userinfo(sut, afterwards.access_token)).statusCode).toBe(200);
    const refreshed = await refresh(sut, app, before.refresh_token!);
    expect(refreshed.json()).toEqual(REFRESH_INVALID);
    expect((await refresh(sut, app, afterwards.refresh_token!)).statusCode).toBe(200);
  });
});

describe('privilege: changes reach every process', { skip: NEEDS_POSTGRES_SERVER }, () => {
  const apps = twoProcessesOnOneDatabase();

  const reason = async (app: TestApp, token: string) =>
    (await check(app, token, 'invoices', 'read')).json<{ reason: string }>().reason;

  it('a role deleted and re-created through one process has no holders in the other', async () => {
    const role = await createRole(apps.first, ['invoices:read']);
    const service = await createService(apps.first, 'invoices:read', [role]);
    const token = await clientToken(apps.first, service);
    expect(await within(1000, async () => (await reason(apps.second, token)) === 'allowed')).toBe(
      true,
    );

    expect((await apps.first.admin('DELETE', `/admin/roles/${role}`)).statusCode).toBe(204);
    await createRole(apps.first, ['invoices:read'], role);
    expect(
      await within(1000, async () => (await reason(apps.second, token)) === 'permission_denied'),
    ).toBe(true);
    // And it stays so once the re-creation has reached the other process too.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await reason(apps.second, token)).toBe('permission_denied');
    const issued = await requestClientToken(apps.second, service, {});
    expect(issued.json().scope).toBe('');
  });

  it("a person's role removed through one process ends their admin power in the other", async () => {
    const role = await createRole(apps.first, ['iam:admin']);
    const app = await createClient(apps.first, { scope: 'openid iam:admin' });
    const user = await createUser(apps.first);
    await setUserRoles(apps.first, user.id, [role]);
    const tokens = await signInForTokens(apps.first, app, user, { scope: 'openid iam:admin' });
    expect(
      await within(
        1000,
        async () => (await asAdmin(apps.second, tokens.access_token)).statusCode === 200,
      ),
    ).toBe(true);

    await setUserRoles(apps.first, user.id, []);
    expect(
      await within(
        1000,
        async () => (await asAdmin(apps.second, tokens.access_token)).statusCode === 403,
      ),
    ).toBe(true);
  });

  it('a password changed through one process ends the access tokens in the other', async () => {
    const app = await createClient(apps.first);
    const user = await createUser(apps.first);
    const tokens = await signInForTokens(apps.first, app, user);
    expect((await userinfo(apps.second, tokens.access_token)).statusCode).toBe(200);

    await apps.first.admin('PATCH', `/admin/users/${user.id}`, { password: NEW_PASSWORD });
    expect(
      await within(
        1000,
        async () => (await userinfo(apps.second, tokens.access_token)).statusCode === 401,
      ),
    ).toBe(true);
    expect((await refresh(apps.second, app, tokens.refresh_token!)).json()).toEqual(
      REFRESH_INVALID,
    );
  });
});
