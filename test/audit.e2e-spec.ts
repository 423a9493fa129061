import { expect } from 'expect';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  authorizeAndGetCode,
  createClient,
  createUser,
  dataSource,
  exchangeCode,
  hiddenFields,
  INVALID_GRANT,
  refresh,
  signInForTokens,
  TestClient,
  TestUser,
} from './support/code-flow';
import { adminCall, AUDIT_USER_AGENT, auditEvent, AuditItem } from './support/audit';
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  basicAuth,
  InjectResult,
  startTestApp,
  TestApp,
} from './support/test-app';

const USER_AGENT = AUDIT_USER_AGENT;
const ADMIN = { type: 'client', id: ADMIN_CLIENT_ID };
const ANONYMOUS = { type: 'anonymous', id: null };
const event = auditEvent;

const password = () => `pw-${randomBytes(12).toString('base64url')}`;
const sha256 = (value: string, encoding: 'hex' | 'base64url') =>
  createHash('sha256').update(value).digest(encoding);

describe('audit log: security events and GET /admin/audit-events', () => {
  let sut: TestApp;
  let adminToken: string;
  /** Every secret, password, code and token this file handles: none may reach the audit log. */
  const secrets: string[] = [ADMIN_CLIENT_SECRET];

  before(async () => {
    sut = await startTestApp({
      REGISTRATION_MODE: 'open',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '2',
      LOGIN_MAX_FAILURES_PER_IP: '1000',
    });
    adminToken = await sut.adminToken();
    secrets.push(adminToken);
  });
  after(() => sut.close());

  const asAdmin = (method: string, url: string, payload?: object) =>
    adminCall(sut, adminToken, method, url, payload);

  const list = async (
    query: Record<string, string> = {},
  ): Promise<{ items: AuditItem[]; total: number }> => {
    const response = await sut.request({
      method: 'GET',
      url: `/admin/audit-events?${new URLSearchParams(query).toString()}`,
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(response.statusCode).toBe(200);
    return {
      items: response.json<AuditItem[]>(),
      total: Number(response.headers['x-total-count']),
    };
  };

  /** The events about `targetId`, newest first. */
  const about = async (targetId: string, query: Record<string, string> = {}) =>
    (await list({ target_id: targetId, ...query })).items;

  /** No secret of ours, nor a hash of one, nor any bcrypt hash, in `rows`. */
  const expectNoSecrets = (rows: unknown): void => {
    const text = JSON.stringify(rows);
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(sha256(secret, 'hex'));
      expect(text).not.toContain(sha256(secret, 'base64url'));
    }
    expect(text).not.toMatch(/\$2[aby]\$/);
  };

  /** A user with a fresh password, which joins the secrets. */
  const newUser = async (): Promise<TestUser> => {
    const secret = password();
    secrets.push(secret);
    const user = await createUser(sut, { password: secret });
    return { ...user, password: secret };
  };

  describe('client events, by the admin client', () => {
    let clientId: string;

    it('records client.created with the admin client as actor, the client as target, IP and User-Agent', async () => {
      const response = await asAdmin('POST', '/admin/clients', {
        client_name: 'Audited app',
        client_type: 'confidential',
        redirect_uris: ['https://app.example.com/cb'],
      });
      expect(response.statusCode).toBe(201);
      clientId = response.json().client_id;
      secrets.push(response.json().client_secret);
      const target = { type: 'client', id: clientId };
      expect(await about(clientId)).toEqual([
        event({
          type: 'client.created',
          actor: ADMIN,
          target,
          details: {
            client_name: 'Audited app',
            client_type: 'confidential',
            registered_by: 'admin',
          },
        }),
      ]);
    });

    it('records client.updated with the names of the changed fields only', async () => {
      const response = await asAdmin('PATCH', `/admin/clients/${clientId}`, {
        client_name: 'Renamed app',
        redirect_uris: ['https://app.example.com/cb', 'https://app.example.com/cb2'],
        scope: '',
      });
      expect(response.statusCode).toBe(200);
      const [latest] = await about(clientId);
      expect(latest).toEqual(
        event({
          type: 'client.updated',
          actor: ADMIN,
          target: { type: 'client', id: clientId },
          details: { fields: ['client_name', 'redirect_uris'] },
        }),
      );
    });

    it('records nothing for a PATCH that changes nothing', async () => {
      const before = await about(clientId);
      const response = await asAdmin('PATCH', `/admin/clients/${clientId}`, {
        client_name: 'Renamed app',
      });
      expect(response.statusCode).toBe(200);
      expect(await about(clientId)).toEqual(before);
    });

    it('records client.disabled, then client.enabled, for status changes (and no client.updated)', async () => {
      const target = { type: 'client', id: clientId };
      expect(
        (await asAdmin('PATCH', `/admin/clients/${clientId}`, { status: 'disabled' })).statusCode,
      ).toBe(200);
      expect((await about(clientId))[0]).toEqual(
        event({ type: 'client.disabled', actor: ADMIN, target }),
      );
      expect(
        (await asAdmin('PATCH', `/admin/clients/${clientId}`, { status: 'active' })).statusCode,
      ).toBe(200);
      const [enabled, disabled, updated] = await about(clientId);
      expect(enabled).toEqual(event({ type: 'client.enabled', actor: ADMIN, target }));
      expect(disabled.type).toBe('client.disabled');
      expect(updated.type).toBe('client.updated');
    });

    it('records client.disabled and client.updated when one PATCH changes status and fields', async () => {
      const target = { type: 'client', id: clientId };
      const response = await asAdmin('PATCH', `/admin/clients/${clientId}`, {
        status: 'disabled',
        allowed_cors_origins: ['https://app.example.com'],
      });
      expect(response.statusCode).toBe(200);
      const [second, first] = await about(clientId);
      expect(first).toEqual(event({ type: 'client.disabled', actor: ADMIN, target }));
      expect(second).toEqual(
        event({
          type: 'client.updated',
          actor: ADMIN,
          target,
          details: { fields: ['allowed_cors_origins'] },
        }),
      );
      await asAdmin('PATCH', `/admin/clients/${clientId}`, { status: 'active' });
    });

    it('records client.secret_rotated: that it happened and the grace period, never the secret', async () => {
      const target = { type: 'client', id: clientId };
      const now = await asAdmin('POST', `/admin/clients/${clientId}/secret`, {});
      expect(now.statusCode).toBe(200);
      secrets.push(now.json().client_secret);
      const graceful = await asAdmin('POST', `/admin/clients/${clientId}/secret`, {
        grace_period: 300,
      });
      expect(graceful.statusCode).toBe(200);
      secrets.push(graceful.json().client_secret);
      const [second, first] = await about(clientId);
      expect(first).toEqual(
        event({
          type: 'client.secret_rotated',
          actor: ADMIN,
          target,
          details: { grace_period: 0 },
        }),
      );
      expect(second).toEqual(
        event({
          type: 'client.secret_rotated',
          actor: ADMIN,
          target,
          details: { grace_period: 300 },
        }),
      );
      expectNoSecrets(await about(clientId));
    });

    it('records client.deleted', async () => {
      expect((await asAdmin('DELETE', `/admin/clients/${clientId}`)).statusCode).toBe(204);
      expect((await about(clientId))[0]).toEqual(
        event({ type: 'client.deleted', actor: ADMIN, target: { type: 'client', id: clientId } }),
      );
    });

    it('keeps the whole history of the client, newest first', async () => {
      expect((await about(clientId)).map((item) => item.type)).toEqual([
        'client.deleted',
        'client.secret_rotated',
        'client.secret_rotated',
        'client.enabled',
        'client.updated',
        'client.disabled',
        'client.enabled',
        'client.disabled',
        'client.updated',
        'client.created',
      ]);
    });

    it('records nothing for a change that fails (404, 400)', async () => {
      const unknown = `unknown-${randomBytes(4).toString('hex')}`;
      expect((await asAdmin('DELETE', `/admin/clients/${unknown}`)).statusCode).toBe(404);
      expect((await asAdmin('POST', '/admin/clients', { client_name: '' })).statusCode).toBe(400);
      expect(await about(unknown)).toEqual([]);
    });
  });

  describe('user events, by the admin client', () => {
    let userId: string;
    const firstPassword = password();
    const secondPassword = password();

    it('records user.created with the username and never the password', async () => {
      secrets.push(firstPassword, secondPassword);
      const response = await asAdmin('POST', '/admin/users', {
        username: 'audited-user',
        password: firstPassword,
      });
      expect(response.statusCode).toBe(201);
      userId = response.json().id;
      expect(await about(userId)).toEqual([
        event({
          type: 'user.created',
          actor: ADMIN,
          target: { type: 'user', id: userId },
          details: { username: 'audited-user' },
        }),
      ]);
    });

    it('records user.updated naming the changed fields, the password by name only', async () => {
      const response = await asAdmin('PATCH', `/admin/users/${userId}`, {
        password: secondPassword,
        name: 'Audrey',
        email_verified: false,
      });
      expect(response.statusCode).toBe(200);
      expect((await about(userId))[0]).toEqual(
        event({
          type: 'user.updated',
          actor: ADMIN,
          target: { type: 'user', id: userId },
          details: { fields: ['name', 'password'] },
        }),
      );
    });

    it('records user.disabled and user.enabled for status changes', async () => {
      const target = { type: 'user', id: userId };
      expect(
        (await asAdmin('PATCH', `/admin/users/${userId}`, { status: 'disabled' })).statusCode,
      ).toBe(200);
      expect(
        (await asAdmin('PATCH', `/admin/users/${userId}`, { status: 'active' })).statusCode,
      ).toBe(200);
      const [enabled, disabled] = await about(userId);
      expect(disabled).toEqual(event({ type: 'user.disabled', actor: ADMIN, target }));
      expect(enabled).toEqual(event({ type: 'user.enabled', actor: ADMIN, target }));
    });

    it('records user.deleted with the username the id belonged to', async () => {
      expect((await asAdmin('DELETE', `/admin/users/${userId}`)).statusCode).toBe(204);
      expect((await about(userId))[0]).toEqual(
        event({
          type: 'user.deleted',
          actor: ADMIN,
          target: { type: 'user', id: userId },
          details: { username: 'audited-user' },
        }),
      );
      expect((await about(userId)).map((item) => item.type)).toEqual([
        'user.deleted',
        'user.enabled',
        'user.disabled',
        'user.updated',
        'user.created',
      ]);
      expectNoSecrets(await about(userId));
    });
  });

  describe('self-service: sign-up and dynamic registration, by anonymous callers', () => {
    it('records a self sign-up as user.created by anonymous', async () => {
      const secret = password();
      secrets.push(secret);
      const response = await sut.request({
        method: 'POST',
        url: '/accounts',
        headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT },
        payload: { username: 'self-signed', password: secret, email: 'self@example.com' },
      });
      expect(response.statusCode).toBe(201);
      const { id } = response.json();
      expect(await about(id)).toEqual([
        event({
          type: 'user.created',
          actor: ANONYMOUS,
          target: { type: 'user', id },
          details: { username: 'self-signed' },
        }),
      ]);
    });

    it('records an RFC 7591 registration by anonymous and an RFC 7592 delete by the client itself', async () => {
      const registered = await sut.request({
        method: 'POST',
        url: '/register',
        headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT },
        payload: { client_name: 'Dynamic app', redirect_uris: ['https://dyn.example.com/cb'] },
      });
      expect(registered.statusCode).toBe(201);
      const { client_id, client_secret, registration_access_token } = registered.json();
      secrets.push(client_secret, registration_access_token);
      const target = { type: 'client', id: client_id };
      expect(await about(client_id)).toEqual([
        event({
          type: 'client.created',
          actor: ANONYMOUS,
          target,
          details: {
            client_name: 'Dynamic app',
            client_type: 'confidential',
            registered_by: 'dynamic',
          },
        }),
      ]);
      const removed = await sut.request({
        method: 'DELETE',
        url: `/register/${client_id}`,
        headers: { authorization: `Bearer ${registration_access_token}`, 'user-agent': USER_AGENT },
      });
      expect(removed.statusCode).toBe(204);
      expect((await about(client_id))[0]).toEqual(
        event({ type: 'client.deleted', actor: target, target }),
      );
    });
  });

  describe('logins', () => {
    let alice: TestUser;

    before(async () => {
      alice = await newUser();
    });

    /** GET /login for its CSRF cookie and field, then POST the form with our User-Agent. */
    const submit = async (
      form: Record<string, string>,
      options: { csrf?: boolean } = {},
    ): Promise<InjectResult> => {
      const page = await sut.request({ method: 'GET', url: '/login' });
      const setCookie = page.headers['set-cookie'];
      const cookie = String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0];
      const { csrf_token } = hiddenFields(page.body);
      return sut.request({
        method: 'POST',
        url: '/login',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'user-agent': USER_AGENT,
          ...(options.csrf === false ? {} : { cookie }),
        },
        payload: new URLSearchParams({ csrf_token, ...form }).toString(),
      });
    };

    const latestFailure = async () => (await list({ type: 'login.failed', limit: '1' })).items[0];

    it('records login.succeeded by the user, from the IP and User-Agent of the sign-in, with its RFC 8176 amr', async () => {
      const response = await submit({ username: alice.username, password: alice.password });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe('/account');
      const who = { type: 'user', id: alice.id };
      expect((await list({ type: 'login.succeeded', actor_id: alice.id })).items).toEqual([
        event({ type: 'login.succeeded', actor: who, target: who, details: { amr: ['pwd'] } }),
      ]);
    });

    it('records login.failed by anonymous against the account for a wrong password', async () => {
      const wrong = password();
      secrets.push(wrong);
      const response = await submit({ username: alice.username, password: wrong });
      expect(response.headers.location).toBe('/login?error=invalid');
      expect(await latestFailure()).toEqual(
        event({
          type: 'login.failed',
          outcome: 'failure',
          actor: ANONYMOUS,
          target: { type: 'user', id: alice.id },
          details: { reason: 'invalid_credentials' },
        }),
      );
    });

    it('keeps only the first three characters of an unknown username (it may be a password)', async () => {
      const typedPassword = 'Tr0ub4dor&3-in-the-wrong-field';
      secrets.push(typedPassword);
      const response = await submit({ username: typedPassword, password: 'whatever-else' });
      expect(response.headers.location).toBe('/login?error=invalid');
      expect(await latestFailure()).toEqual(
        event({
          type: 'login.failed',
          outcome: 'failure',
          actor: ANONYMOUS,
          details: { reason: 'invalid_credentials', username_prefix: 'Tr0…' },
        }),
      );
    });

    it('records missing credentials', async () => {
      const response = await submit({ username: '', password: '' });
      expect(response.headers.location).toBe('/login?error=missing');
      expect(await latestFailure()).toEqual(
        event({
          type: 'login.failed',
          outcome: 'failure',
          actor: ANONYMOUS,
          details: { reason: 'missing_credentials' },
        }),
      );
    });

    it('records a form without its CSRF cookie as login.failed with reason csrf', async () => {
      const response = await submit(
        { username: alice.username, password: alice.password },
        { csrf: false },
      );
      expect(response.headers.location).toBe('/login?error=csrf');
      expect(await latestFailure()).toEqual(
        event({
          type: 'login.failed',
          outcome: 'failure',
          actor: ANONYMOUS,
          target: { type: 'user', id: alice.id },
          details: { reason: 'csrf' },
        }),
      );
    });

    it('records a throttled attempt with reason throttled', async () => {
      const bob = await newUser();
      for (let i = 0; i < 2; i++)
        await submit({ username: bob.username, password: 'wrong-password' });
      const response = await submit({ username: bob.username, password: 'wrong-password' });
      expect(response.headers.location).toMatch(/^\/login\?error=throttled&wait=\d+$/);
      const failures = await about(bob.id, { type: 'login.failed' });
      expect(failures.map((item) => item.details.reason)).toEqual([
        'throttled',
        'invalid_credentials',
        'invalid_credentials',
      ]);
      expect(failures[0]).toEqual(
        event({
          type: 'login.failed',
          outcome: 'failure',
          actor: ANONYMOUS,
          target: { type: 'user', id: bob.id },
          details: { reason: 'throttled' },
        }),
      );
    });
  });

  describe('reuse detection at the token endpoint, by the client', () => {
    let client: TestClient;
    let user: TestUser;

    before(async () => {
      client = await createClient(sut);
      secrets.push(client.client_secret!);
      user = await newUser();
    });

    it('records authorization_code.reuse_detected with the client as actor and the user as target', async () => {
      const result = await authorizeAndGetCode(sut, client, user);
      secrets.push(result.code, result.verifier!);
      const first = await exchangeCode(sut, client, result);
      expect(first.statusCode).toBe(200);
      secrets.push(first.json().access_token, first.json().refresh_token, first.json().id_token);
      const replay = await exchangeCode(sut, client, result, {}, { 'user-agent': USER_AGENT });
      expect(replay.statusCode).toBe(400);
      expect(replay.json()).toEqual(INVALID_GRANT);
      expect((await list({ actor_id: client.client_id })).items).toEqual([
        event({
          type: 'authorization_code.reuse_detected',
          outcome: 'failure',
          actor: { type: 'client', id: client.client_id },
          target: { type: 'user', id: user.id },
          details: { revoked_refresh_token_families: 1, revoked_access_tokens: 1 },
        }),
      ]);
    });

    it('records refresh_token.reuse_detected with the client as actor and the family as target', async () => {
      const tokens = await signInForTokens(sut, client, user);
      secrets.push(tokens.access_token, tokens.refresh_token!, tokens.id_token!);
      const rotated = await refresh(sut, client, tokens.refresh_token!);
      expect(rotated.statusCode).toBe(200);
      secrets.push(rotated.json().access_token, rotated.json().refresh_token);
      const replay = await refresh(
        sut,
        client,
        tokens.refresh_token!,
        {},
        {
          'user-agent': USER_AGENT,
        },
      );
      expect(replay.statusCode).toBe(400);
      const { items } = await list({
        type: 'refresh_token.reuse_detected',
        actor_id: client.client_id,
      });
      expect(items).toEqual([
        event({
          type: 'refresh_token.reuse_detected',
          outcome: 'failure',
          actor: { type: 'client', id: client.client_id },
          target: { type: 'refresh_token_family', id: expect.any(String) as unknown as string },
          details: { user_id: user.id, revoked_access_tokens: 2 },
        }),
      ]);
    });
  });

  describe('GET /admin/audit-events: filters, paging, order', () => {
    /** The fixture client, and its seven events newest first. */
    let clientId: string;
    let history: AuditItem[];

    before(async () => {
      const created = await asAdmin('POST', '/admin/clients', {
        client_name: 'Filtered',
        client_type: 'm2m',
      });
      clientId = created.json().client_id;
      secrets.push(created.json().client_secret);
      for (const status of ['disabled', 'active', 'disabled', 'active']) {
        await asAdmin('PATCH', `/admin/clients/${clientId}`, { status });
      }
      const rotated = await asAdmin('POST', `/admin/clients/${clientId}/secret`, {});
      secrets.push(rotated.json().client_secret);
      await asAdmin('DELETE', `/admin/clients/${clientId}`);
      history = await about(clientId);
      expect(history).toHaveLength(7);
    });

    it('answers newest first, with X-Total-Count', async () => {
      const { items, total } = await list({ target_id: clientId });
      expect(total).toBe(7);
      expect(items.map((item) => item.type)).toEqual([
        'client.deleted',
        'client.secret_rotated',
        'client.enabled',
        'client.disabled',
        'client.enabled',
        'client.disabled',
        'client.created',
      ]);
      const times = items.map((item) => item.occurred_at);
      expect([...times].sort().reverse()).toEqual(times);
    });

    it('filters by exact type', async () => {
      const { items, total } = await list({ target_id: clientId, type: 'client.disabled' });
      expect(total).toBe(2);
      expect(items.map((item) => item.id)).toEqual([history[3].id, history[5].id]);
    });

    it('filters by a type prefix ending in a dot, and an exact type is not a prefix', async () => {
      expect((await list({ target_id: clientId, type: 'client.' })).total).toBe(7);
      expect((await list({ target_id: clientId, type: 'client.secret_' })).total).toBe(0);
      expect((await list({ target_id: clientId, type: 'client.secret_rotated' })).total).toBe(1);
      expect((await list({ target_id: clientId, type: 'user.' })).total).toBe(0);
    });

    it('takes _ in a prefix literally, not as a LIKE wildcard', async () => {
      // `login_` would match `login.` if `_` were a wildcard.
      expect((await list({ type: 'login_' })).total).toBe(0);
      expect((await list({ type: 'login_failed.' })).total).toBe(0);
      expect((await list({ type: 'login.' })).total).toBeGreaterThan(0);
    });

    it('filters by outcome', async () => {
      const failures = await list({ outcome: 'failure' });
      expect(failures.total).toBeGreaterThan(0);
      expect(failures.items.every((item) => item.outcome === 'failure')).toBe(true);
      expect((await list({ target_id: clientId, outcome: 'failure' })).total).toBe(0);
      expect((await list({ target_id: clientId, outcome: 'success' })).total).toBe(7);
    });

    it('filters by actor_id', async () => {
      const { items, total } = await list({ actor_id: ADMIN_CLIENT_ID, target_id: clientId });
      expect(total).toBe(7);
      expect(items.every((item) => item.actor.id === ADMIN_CLIENT_ID)).toBe(true);
      expect((await list({ actor_id: 'nobody-acted' })).total).toBe(0);
    });

    it('filters by since and until, both inclusive, with occurred_at values from the API', async () => {
      const chronological = [...history].reverse();
      const at = (index: number) => chronological[index].occurred_at;
      const ids = async (query: Record<string, string>) =>
        (await list({ target_id: clientId, ...query })).items.map((item) => item.id).reverse();
      expect(await ids({ since: at(2) })).toEqual(chronological.slice(2).map((item) => item.id));
      expect(await ids({ until: at(2) })).toEqual(chronological.slice(0, 3).map((item) => item.id));
      expect(await ids({ since: at(1), until: at(4) })).toEqual(
        chronological.slice(1, 5).map((item) => item.id),
      );
      expect(await ids({ since: '2999-01-01T00:00:00Z' })).toEqual([]);
      expect(await ids({ until: '2000-01-01T00:00:00+01:00' })).toEqual([]);
    });

    it('pages with limit and offset over the same order', async () => {
      const page = async (limit: number, offset: number) => {
        const result = await list({
          target_id: clientId,
          limit: String(limit),
          offset: String(offset),
        });
        expect(result.total).toBe(7);
        return result.items.map((item) => item.id);
      };
      const all = history.map((item) => item.id);
      expect(await page(3, 0)).toEqual(all.slice(0, 3));
      expect(await page(3, 3)).toEqual(all.slice(3, 6));
      expect(await page(3, 6)).toEqual(all.slice(6));
      expect(await page(3, 7)).toEqual([]);
    });

    it('answers 50 events by default and up to limit otherwise', async () => {
      const created = await asAdmin('POST', '/admin/clients', {
        client_name: 'Busy',
        client_type: 'm2m',
      });
      const busy: string = created.json().client_id;
      secrets.push(created.json().client_secret);
      const toggles = Math.max(0, 51 - (await list()).total);
      for (let i = 0; i < toggles; i++) {
        const status = i % 2 === 0 ? 'disabled' : 'active';
        expect((await asAdmin('PATCH', `/admin/clients/${busy}`, { status })).statusCode).toBe(200);
      }
      const { items, total } = await list();
      expect(total).toBeGreaterThan(50);
      expect(items).toHaveLength(50);
      expect((await list({ limit: '51' })).items).toHaveLength(51);
      expect((await list({ limit: '200' })).items).toHaveLength(Math.min(total, 200));
    });

    const badFilters: [string, Record<string, string>, { field: string; problem: string }[]][] = [
      ['limit 0', { limit: '0' }, [{ field: 'limit', problem: 'must not be less than 1' }]],
      [
        'limit 201',
        { limit: '201' },
        [{ field: 'limit', problem: 'must not be greater than 200' }],
      ],
      [
        'limit abc',
        { limit: 'abc' },
        [
          { field: 'limit', problem: 'must not be greater than 200' },
          { field: 'limit', problem: 'must not be less than 1' },
          { field: 'limit', problem: 'must be an integer number' },
        ],
      ],
      ['offset -1', { offset: '-1' }, [{ field: 'offset', problem: 'must not be less than 0' }]],
      [
        'a type with capitals and a bang',
        { type: 'Client.Created!' },
        [{ field: 'type', problem: 'must be an event type, or a prefix of one ending in "."' }],
      ],
      [
        'a type with a LIKE wildcard',
        { type: 'client.%' },
        [{ field: 'type', problem: 'must be an event type, or a prefix of one ending in "."' }],
      ],
      [
        'an unknown outcome',
        { outcome: 'maybe' },
        [{ field: 'outcome', problem: 'must be one of the following values: success, failure' }],
      ],
      [
        'since that is not ISO 8601',
        { since: 'yesterday' },
        [{ field: 'since', problem: 'must be an ISO 8601 date-time' }],
      ],
      [
        'until that is not a real date',
        { until: '2025-02-30T00:00:00Z' },
        [{ field: 'until', problem: 'must be an ISO 8601 date-time' }],
      ],
      [
        'until before since',
        { since: '2025-02-01T00:00:00Z', until: '2025-01-01T00:00:00Z' },
        [{ field: 'until', problem: 'must not be before since' }],
      ],
      ['an unknown filter', { actor: 'x' }, [{ field: 'actor', problem: 'should not exist' }]],
    ];
    for (const [what, query, details] of badFilters) {
      it(`answers 400 in the admin API error shape for ${what}`, async () => {
        const response = await sut.request({
          method: 'GET',
          url: `/admin/audit-events?${new URLSearchParams(query).toString()}`,
          headers: { authorization: `Bearer ${adminToken}` },
        });
        expect(response.statusCode).toBe(400);
        const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
        expect(response.json()).toEqual({
          error: 'invalid_request',
          message: `${details[0].field}: ${details[0].problem}${more}`,
          details,
        });
      });
    }

    it('answers 400 for a repeated filter', async () => {
      const response = await sut.request({
        method: 'GET',
        url: '/admin/audit-events?outcome=success&outcome=failure',
        headers: { authorization: `Bearer ${adminToken}` },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: 'invalid_request',
        message: 'outcome: is repeated',
        details: [{ field: 'outcome', problem: 'is repeated' }],
      });
    });
  });

  describe('access to GET /admin/audit-events', () => {
    it('answers 401 without a token', async () => {
      const response = await sut.request({ method: 'GET', url: '/admin/audit-events' });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
      expect(response.json()).toEqual({
        error: 'unauthorized',
        message: 'a Bearer access token is required',
      });
    });

    it('answers 401 for a token that does not verify', async () => {
      const response = await sut.request({
        method: 'GET',
        url: '/admin/audit-events',
        headers: { authorization: `Bearer ${adminToken.slice(0, -4)}AAAA` },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        error: 'invalid_token',
        message: 'the access token is invalid or expired',
      });
    });

    it('answers 403 for a token without iam:admin', async () => {
      const created = await asAdmin('POST', '/admin/clients', {
        client_name: 'Not an admin',
        client_type: 'm2m',
        scope: 'reports',
      });
      const { client_id, client_secret } = created.json();
      secrets.push(client_secret);
      const token = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(client_id, client_secret) },
      );
      expect(token.statusCode).toBe(200);
      secrets.push(token.json().access_token);
      const response = await sut.request({
        method: 'GET',
        url: '/admin/audit-events',
        headers: { authorization: `Bearer ${token.json().access_token}` },
      });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({
        error: 'insufficient_scope',
        message: 'the access token lacks the iam:admin scope',
      });
    });

    it('is documented in the OpenAPI document with its filters and item schema', async () => {
      const response = await sut.request({ method: 'GET', url: '/docs-json' });
      const document = response.json();
      const operation = document.paths['/admin/audit-events'].get;
      expect(operation.parameters.map((p: { name: string }) => p.name).sort()).toEqual(
        ['actor_id', 'limit', 'offset', 'outcome', 'since', 'target_id', 'type', 'until'].sort(),
      );
      expect(operation.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '401', '403']);
      expect(Object.keys(document.components.schemas.AuditEventView.properties).sort()).toEqual(
        [
          'actor',
          'details',
          'id',
          'ip',
          'occurred_at',
          'outcome',
          'target',
          'type',
          'user_agent',
        ].sort(),
      );
    });
  });

  it('holds no secret, password, code, token or hash of one anywhere, in the API or the table', async () => {
    const rows: Array<{ type: string }> = await dataSource(sut).query('SELECT * FROM audit_events');
    // Every kind of event this file caused is in the table that is searched.
    const types = new Set(rows.map((row) => row.type));
    expect([...types].sort()).toEqual(
      expect.arrayContaining([
        'client.created',
        'client.updated',
        'client.disabled',
        'client.enabled',
        'client.secret_rotated',
        'client.deleted',
        'user.created',
        'user.updated',
        'user.disabled',
        'user.enabled',
        'user.deleted',
        'login.succeeded',
        'login.failed',
        'authorization_code.reuse_detected',
        'refresh_token.reuse_detected',
      ]),
    );
    expectNoSecrets(rows);
    expectNoSecrets((await list({ limit: '200' })).items);
    expect(secrets.length).toBeGreaterThan(20);
  });
});
