import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { unique } from './support/access';
import { TestBrowser } from './support/browser';
import { withAuditRefusing as refuseAuditEvents } from './support/audit';
import { dataSource, hiddenFields } from './support/code-flow';
import { basicAuth, InjectResult, startTestApp, TestApp } from './support/test-app';

const PASSWORD = 'correct horse battery';

interface AuditItem {
  type: string;
  target: { type: string; id: string | null } | null;
  details: Record<string, unknown>;
}

const byType = (items: AuditItem[]): AuditItem[] =>
  [...items].sort((a, b) => a.type.localeCompare(b.type));

/**
 * Client and user changes and their audit events are one transaction: when the event cannot be
 * recorded the change does not happen (500, data unchanged), and when it can, both happen.
 */
describe('audit log: client and user changes are one transaction with their events', () => {
  let sut: TestApp;

  before(async () => {
    sut = await startTestApp({ REGISTRATION_MODE: 'open', SIGNUP_ENABLED: 'true' });
  });
  after(() => sut.close());

  /** The events about `targetId`, newest first: type, target and details only. */
  const about = async (targetId: string): Promise<AuditItem[]> => {
    const response = await sut.admin(
      'GET',
      `/admin/audit-events?${new URLSearchParams({ target_id: targetId, limit: '200' }).toString()}`,
    );
    expect(response.statusCode).toBe(200);
    return response
      .json<AuditItem[]>()
      .map(({ type, target, details }) => ({ type, target, details }));
  };

  /** Every client and user event, to show that a failed change added none. */
  const allEvents = async (): Promise<string[]> => {
    const ids: string[] = [];
    for (const type of ['client.', 'user.']) {
      const response = await sut.admin('GET', `/admin/audit-events?type=${type}&limit=200`);
      expect(response.statusCode).toBe(200);
      ids.push(...response.json<Array<{ id: string }>>().map((item) => item.id));
    }
    return ids;
  };

  /**
   * Runs `work` while the audit table refuses events of `type`, then checks that it added no
   * event of any kind about clients or users.
   */
  const withAuditRefusing = async (type: string, work: () => Promise<void>): Promise<void> => {
    const before = await allEvents();
    await refuseAuditEvents(sut, type, work);
    expect(await allEvents()).toEqual(before);
  };

  const countRows = async (sql: string, params: unknown[]): Promise<number> => {
    const rows: Array<{ count: string | number }> = await dataSource(sut).query(sql, params);
    return Number(rows[0].count);
  };

  const clientToken = (clientId: string, secret: string): Promise<InjectResult> =>
    sut.postForm(
      '/token',
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(clientId, secret) },
    );

  const createService = async (): Promise<{ clientId: string; secret: string }> => {
    const response = await sut.admin('POST', '/admin/clients', {
      client_name: unique('atomic-service'),
      client_type: 'm2m',
    });
    expect(response.statusCode).toBe(201);
    return { clientId: response.json().client_id, secret: response.json().client_secret };
  };

  const createUser = async (): Promise<{ id: string; username: string }> => {
    const username = unique('atomic-user');
    const response = await sut.admin('POST', '/admin/users', {
      username,
      password: PASSWORD,
      name: 'Alice Liddell',
    });
    expect(response.statusCode).toBe(201);
    return { id: response.json().id, username };
  };

  /** Signs in through the login form: /account on success. */
  const signIn = async (username: string, password: string): Promise<string | undefined> => {
    const browser = new TestBrowser(sut);
    const page = await browser.get('/login');
    const result = await browser.post('/login', { ...hiddenFields(page.body), username, password });
    expect(result.statusCode).toBe(303);
    return result.location;
  };

  describe('clients', () => {
    it('creates no client when client.created cannot be recorded, then one with its event', async () => {
      const name = unique('unrecorded-client');
      const clientsNamed = () =>
        countRows('SELECT count(*) AS count FROM clients WHERE client_name = $1', [name]);
      await withAuditRefusing('client.created', async () => {
        const response = await sut.admin('POST', '/admin/clients', {
          client_name: name,
          client_type: 'm2m',
        });
        expect(response.statusCode).toBe(500);
      });
      expect(await clientsNamed()).toBe(0);

      const response = await sut.admin('POST', '/admin/clients', {
        client_name: name,
        client_type: 'm2m',
      });
      expect(response.statusCode).toBe(201);
      expect(await clientsNamed()).toBe(1);
      const clientId = response.json().client_id;
      expect(await about(clientId)).toEqual([
        {
          type: 'client.created',
          target: { type: 'client', id: clientId },
          details: { client_name: name, client_type: 'm2m', registered_by: 'admin' },
        },
      ]);
    });

    it('registers no client dynamically when client.created cannot be recorded', async () => {
      const name = unique('unrecorded-registration');
      const register = () =>
        sut.request({
          method: 'POST',
          url: '/register',
          headers: { 'content-type': 'application/json' },
          payload: { client_name: name, grant_types: ['client_credentials'] },
        });
      await withAuditRefusing('client.created', async () => {
        expect((await register()).statusCode).toBe(500);
      });
      expect(
        await countRows('SELECT count(*) AS count FROM clients WHERE client_name = $1', [name]),
      ).toBe(0);
      const response = await register();
      expect(response.statusCode).toBe(201);
      expect((await about(response.json().client_id)).map((item) => item.details)).toEqual([
        { client_name: name, client_type: 'm2m', registered_by: 'dynamic' },
      ]);
    });

    it('leaves a client unchanged when client.updated or client.disabled cannot be recorded', async () => {
      const { clientId, secret } = await createService();
      const read = async () => (await sut.admin('GET', `/admin/clients/${clientId}`)).json();
      const original = await read();
      await withAuditRefusing('client.updated', async () => {
        const response = await sut.admin('PATCH', `/admin/clients/${clientId}`, {
          client_name: 'Renamed service',
          scope: 'invoices.read',
        });
        expect(response.statusCode).toBe(500);
      });
      await withAuditRefusing('client.disabled', async () => {
        const response = await sut.admin('PATCH', `/admin/clients/${clientId}`, {
          status: 'disabled',
        });
        expect(response.statusCode).toBe(500);
      });
      expect(await read()).toEqual(original);
      // Still enabled, and its tokens were not ended.
      expect((await clientToken(clientId, secret)).statusCode).toBe(200);
      expect(
        await countRows(
          'SELECT count(*) AS count FROM clients WHERE client_id = $1 AND tokens_valid_after IS NULL',
          [clientId],
        ),
      ).toBe(1);

      const renamed = await sut.admin('PATCH', `/admin/clients/${clientId}`, {
        client_name: 'Renamed service',
        status: 'disabled',
      });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json()).toMatchObject({ client_name: 'Renamed service', status: 'disabled' });
      expect((await clientToken(clientId, secret)).statusCode).toBe(401);
      // One change, one transaction: its two events, in either order.
      const target = { type: 'client', id: clientId };
      expect(byType((await about(clientId)).slice(0, 2))).toEqual([
        { type: 'client.disabled', target, details: {} },
        { type: 'client.updated', target, details: { fields: ['client_name'] } },
      ]);
    });

    it('keeps a client without a secret when its first secret cannot be recorded', async () => {
      const created = await sut.admin('POST', '/admin/clients', {
        client_name: unique('spa'),
        client_type: 'public',
        redirect_uris: ['https://spa.example.com/cb'],
      });
      expect(created.statusCode).toBe(201);
      const clientId = created.json().client_id;
      const original = (await sut.admin('GET', `/admin/clients/${clientId}`)).json();
      const change = {
        client_type: 'confidential',
        token_endpoint_auth_method: 'client_secret_basic',
      };
      await withAuditRefusing('client.updated', async () => {
        expect((await sut.admin('PATCH', `/admin/clients/${clientId}`, change)).statusCode).toBe(
          500,
        );
      });
      expect((await sut.admin('GET', `/admin/clients/${clientId}`)).json()).toEqual(original);
      expect(
        await countRows(
          'SELECT count(*) AS count FROM clients WHERE client_id = $1 AND secret_hash IS NULL',
          [clientId],
        ),
      ).toBe(1);

      const response = await sut.admin('PATCH', `/admin/clients/${clientId}`, change);
      expect(response.statusCode).toBe(200);
      const secret = response.json().client_secret;
      expect(typeof secret).toBe('string');
      const [updated] = await about(clientId);
      expect(updated.type).toBe('client.updated');
      expect(updated.details.fields).toEqual(
        expect.arrayContaining(['client_type', 'token_endpoint_auth_method', 'client_secret']),
      );
    });

    it('keeps a client when client.deleted cannot be recorded, then deletes it with its event', async () => {
      const { clientId, secret } = await createService();
      await withAuditRefusing('client.deleted', async () => {
        expect((await sut.admin('DELETE', `/admin/clients/${clientId}`)).statusCode).toBe(500);
      });
      expect((await sut.admin('GET', `/admin/clients/${clientId}`)).statusCode).toBe(200);
      expect((await clientToken(clientId, secret)).statusCode).toBe(200);

      expect((await sut.admin('DELETE', `/admin/clients/${clientId}`)).statusCode).toBe(204);
      expect((await sut.admin('GET', `/admin/clients/${clientId}`)).statusCode).toBe(404);
      expect((await clientToken(clientId, secret)).statusCode).toBe(401);
      expect((await about(clientId))[0]).toEqual({
        type: 'client.deleted',
        target: { type: 'client', id: clientId },
        details: {},
      });
    });

    it('keeps the old secret when client.secret_rotated cannot be recorded, then rotates it', async () => {
      const { clientId, secret } = await createService();
      expect((await clientToken(clientId, secret)).statusCode).toBe(200);
      await withAuditRefusing('client.secret_rotated', async () => {
        const response = await sut.admin('POST', `/admin/clients/${clientId}/secret`, {});
        expect(response.statusCode).toBe(500);
      });
      expect((await clientToken(clientId, secret)).statusCode).toBe(200);

      const rotated = await sut.admin('POST', `/admin/clients/${clientId}/secret`, {});
      expect(rotated.statusCode).toBe(200);
      const newSecret = rotated.json().client_secret;
      expect((await clientToken(clientId, secret)).statusCode).toBe(401);
      expect((await clientToken(clientId, newSecret)).statusCode).toBe(200);
      expect((await about(clientId))[0]).toEqual({
        type: 'client.secret_rotated',
        target: { type: 'client', id: clientId },
        details: { grace_period: 0 },
      });
    });

    it('records nothing, and keeps its answers, for changes that fail (404, 400)', async () => {
      const before = await allEvents();
      const unknown = unique('no-such-client');
      expect(
        (await sut.admin('PATCH', `/admin/clients/${unknown}`, { client_name: 'x' })).statusCode,
      ).toBe(404);
      expect((await sut.admin('DELETE', `/admin/clients/${unknown}`)).statusCode).toBe(404);
      expect((await sut.admin('POST', `/admin/clients/${unknown}/secret`, {})).statusCode).toBe(
        404,
      );
      const spa = await sut.admin('POST', '/admin/clients', {
        client_name: unique('spa'),
        client_type: 'public',
        redirect_uris: ['https://spa.example.com/cb'],
      });
      const after = await allEvents();
      expect(after.length).toBe(before.length + 1);
      const rotate = await sut.admin('POST', `/admin/clients/${spa.json().client_id}/secret`, {});
      expect(rotate.statusCode).toBe(400);
      expect(
        (
          await sut.admin('PATCH', `/admin/clients/${spa.json().client_id}`, {
            redirect_uris: ['not a uri'],
          })
        ).statusCode,
      ).toBe(400);
      expect(await allEvents()).toEqual(after);
    });

    it('records each field change once when two updates race', async () => {
      const { clientId } = await createService();
      const responses = await Promise.all(
        [1, 2, 3].map(() =>
          sut.admin('PATCH', `/admin/clients/${clientId}`, { client_name: 'Raced name' }),
        ),
      );
      expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200]);
      expect((await about(clientId)).map((item) => item.type)).toEqual([
        'client.updated',
        'client.created',
      ]);
    });
  });

  describe('users', () => {
    it('creates no user when user.created cannot be recorded, then one with its event', async () => {
      const username = unique('unrecorded-user');
      const usersNamed = () =>
        countRows('SELECT count(*) AS count FROM users WHERE username = $1', [username]);
      await withAuditRefusing('user.created', async () => {
        const response = await sut.admin('POST', '/admin/users', { username, password: PASSWORD });
        expect(response.statusCode).toBe(500);
      });
      expect(await usersNamed()).toBe(0);

      const response = await sut.admin('POST', '/admin/users', { username, password: PASSWORD });
      expect(response.statusCode).toBe(201);
      expect(await usersNamed()).toBe(1);
      const id = response.json().id;
      expect(await about(id)).toEqual([
        { type: 'user.created', target: { type: 'user', id }, details: { username } },
      ]);
      expect(await signIn(username, PASSWORD)).toBe('/account');
    });

    it('signs nobody up when user.created cannot be recorded', async () => {
      const username = unique('unrecorded-signup');
      const signUp = () =>
        sut.request({
          method: 'POST',
          url: '/accounts',
          headers: { 'content-type': 'application/json' },
          payload: { username, password: PASSWORD },
        });
      await withAuditRefusing('user.created', async () => {
        expect((await signUp()).statusCode).toBe(500);
      });
      expect(
        await countRows('SELECT count(*) AS count FROM users WHERE username = $1', [username]),
      ).toBe(0);
      const response = await signUp();
      expect(response.statusCode).toBe(201);
      expect(await about(response.json().id)).toEqual([
        {
          type: 'user.created',
          target: { type: 'user', id: response.json().id },
          details: { username },
        },
      ]);
    });

    it('leaves a user unchanged when user.updated or user.disabled cannot be recorded', async () => {
      const { id, username } = await createUser();
      const read = async () => (await sut.admin('GET', `/admin/users/${id}`)).json();
      const original = await read();
      await withAuditRefusing('user.updated', async () => {
        const response = await sut.admin('PATCH', `/admin/users/${id}`, {
          name: 'Bob',
          password: 'a brand new secret',
        });
        expect(response.statusCode).toBe(500);
      });
      await withAuditRefusing('user.disabled', async () => {
        const response = await sut.admin('PATCH', `/admin/users/${id}`, { status: 'disabled' });
        expect(response.statusCode).toBe(500);
      });
      expect(await read()).toEqual(original);
      expect(await signIn(username, 'a brand new secret')).toBe('/login?error=invalid');
      expect(await signIn(username, PASSWORD)).toBe('/account');

      const response = await sut.admin('PATCH', `/admin/users/${id}`, {
        name: 'Bob',
        password: 'a brand new secret',
        status: 'disabled',
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ name: 'Bob', status: 'disabled' });
      const target = { type: 'user', id };
      expect(byType((await about(id)).slice(0, 2))).toEqual([
        { type: 'user.disabled', target, details: {} },
        { type: 'user.updated', target, details: { fields: ['name', 'password'] } },
      ]);
      expect(await signIn(username, 'a brand new secret')).toBe('/login?error=invalid');
      expect(
        (await sut.admin('PATCH', `/admin/users/${id}`, { status: 'active' })).statusCode,
      ).toBe(200);
      expect(await signIn(username, 'a brand new secret')).toBe('/account');
    });

    it('keeps a user when user.deleted cannot be recorded, then deletes them with the event', async () => {
      const { id, username } = await createUser();
      await withAuditRefusing('user.deleted', async () => {
        expect((await sut.admin('DELETE', `/admin/users/${id}`)).statusCode).toBe(500);
      });
      expect((await sut.admin('GET', `/admin/users/${id}`)).statusCode).toBe(200);
      expect(await signIn(username, PASSWORD)).toBe('/account');

      expect((await sut.admin('DELETE', `/admin/users/${id}`)).statusCode).toBe(204);
      expect((await sut.admin('GET', `/admin/users/${id}`)).statusCode).toBe(404);
      expect((await about(id))[0]).toEqual({
        type: 'user.deleted',
        target: { type: 'user', id },
        details: { username },
      });
    });

    it('records nothing, and keeps its answers, for changes that fail (404, 409, 400)', async () => {
      const { id, username } = await createUser();
      const before = await allEvents();
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect((await sut.admin('PATCH', `/admin/users/${unknown}`, { name: 'x' })).statusCode).toBe(
        404,
      );
      // An unknown user is a 404 even with a password that would be refused.
      expect(
        (await sut.admin('PATCH', `/admin/users/${unknown}`, { password: 'short' })).statusCode,
      ).toBe(404);
      expect((await sut.admin('PATCH', '/admin/users/not-a-uuid', { name: 'x' })).statusCode).toBe(
        404,
      );
      expect((await sut.admin('DELETE', `/admin/users/${unknown}`)).statusCode).toBe(404);
      expect((await sut.admin('DELETE', '/admin/users/not-a-uuid')).statusCode).toBe(404);
      expect(
        (
          await sut.admin('POST', '/admin/users', {
            username: username.toUpperCase(),
            password: PASSWORD,
          })
        ).statusCode,
      ).toBe(409);
      expect(
        (await sut.admin('PATCH', `/admin/users/${id}`, { password: 'short' })).statusCode,
      ).toBe(400);
      expect(await allEvents()).toEqual(before);
    });

    it('records each field change once when two updates race', async () => {
      const { id } = await createUser();
      const responses = await Promise.all(
        [1, 2, 3].map(() => sut.admin('PATCH', `/admin/users/${id}`, { name: 'Raced name' })),
      );
      expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200]);
      expect((await about(id)).map((item) => item.type)).toEqual(['user.updated', 'user.created']);
    });
  });
});
