import { expect } from 'expect';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createRole, unique } from './support/access';
import { createUser, dataSource } from './support/code-flow';
import { adminCall, auditEvent, AuditItem, withAuditRefusing } from './support/audit';
import { ADMIN_CLIENT_ID, startTestApp, TestApp } from './support/test-app';

const ADMIN = { type: 'client', id: ADMIN_CLIENT_ID };

/** An event by the admin client. */
const event = (fields: Pick<AuditItem, 'type' | 'target'> & Partial<AuditItem>): AuditItem =>
  auditEvent({ actor: ADMIN, ...fields });

describe('audit log: roles, role assignments and access rules', () => {
  let sut: TestApp;
  let adminToken: string;

  before(async () => {
    sut = await startTestApp();
    adminToken = await sut.adminToken();
  });
  after(() => sut.close());

  const asAdmin = (method: string, url: string, payload?: object) =>
    adminCall(sut, adminToken, method, url, payload);

  /** The events matching `query`, newest first. */
  const list = async (query: Record<string, string>): Promise<AuditItem[]> => {
    const response = await sut.admin(
      'GET',
      `/admin/audit-events?${new URLSearchParams({ limit: '200', ...query }).toString()}`,
    );
    expect(response.statusCode).toBe(200);
    return response.json<AuditItem[]>();
  };

  /** The events about `targetId`, newest first. */
  const about = (targetId: string, query: Record<string, string> = {}) =>
    list({ target_id: targetId, ...query });

  /** Every event of these families, to show that a failed change added none. */
  const accessEvents = async () =>
    [
      ...(await list({ type: 'role.' })),
      ...(await list({ type: 'access_rule.' })),
      ...(await list({ type: 'client.roles_changed' })),
      ...(await list({ type: 'user.roles_changed' })),
    ].map((item) => item.id);

  const refusing = (type: string, work: () => Promise<void>) => withAuditRefusing(sut, type, work);

  describe('roles', () => {
    const name = unique('audited-role');
    const target = { type: 'role', id: name };

    it('records role.created with its permissions', async () => {
      const response = await asAdmin('POST', '/admin/roles', {
        name,
        description: 'Reads invoices',
        permissions: ['invoices:read'],
      });
      expect(response.statusCode).toBe(201);
      expect(await about(name)).toEqual([
        event({ type: 'role.created', target, details: { permissions: ['invoices:read'] } }),
      ]);
    });

    it('records role.updated with the names of the changed fields only', async () => {
      const description = await asAdmin('PATCH', `/admin/roles/${name}`, {
        description: 'Reads invoices, and more',
        permissions: ['invoices:read'],
      });
      expect(description.statusCode).toBe(200);
      expect((await about(name))[0]).toEqual(
        event({ type: 'role.updated', target, details: { fields: ['description'] } }),
      );
      const both = await asAdmin('PATCH', `/admin/roles/${name}`, {
        description: null,
        permissions: ['invoices:read', 'invoices:write'],
      });
      expect(both.statusCode).toBe(200);
      expect((await about(name))[0]).toEqual(
        event({
          type: 'role.updated',
          target,
          details: { fields: ['description', 'permissions'] },
        }),
      );
    });

    it('records nothing for a PATCH that changes nothing', async () => {
      const before = await about(name);
      for (const body of [{}, { permissions: ['invoices:read', 'invoices:write'] }]) {
        expect((await asAdmin('PATCH', `/admin/roles/${name}`, body)).statusCode).toBe(200);
      }
      expect(await about(name)).toEqual(before);
    });

    it('records role.deleted, and keeps the whole history newest first', async () => {
      expect((await asAdmin('DELETE', `/admin/roles/${name}`)).statusCode).toBe(204);
      expect((await about(name))[0]).toEqual(event({ type: 'role.deleted', target }));
      expect((await about(name)).map((item) => item.type)).toEqual([
        'role.deleted',
        'role.updated',
        'role.updated',
        'role.created',
      ]);
    });

    it('records nothing for a change that fails (409, 404, 400)', async () => {
      const existing = await createRole(sut, ['reports:view']);
      const before = await accessEvents();
      const duplicate = await asAdmin('POST', '/admin/roles', { name: existing, permissions: [] });
      expect(duplicate.statusCode).toBe(409);
      expect(
        (await asAdmin('PATCH', '/admin/roles/no-such-role', { permissions: [] })).statusCode,
      ).toBe(404);
      expect((await asAdmin('DELETE', '/admin/roles/no-such-role')).statusCode).toBe(404);
      expect(
        (await asAdmin('POST', '/admin/roles', { name: unique('bad'), permissions: ['bad'] }))
          .statusCode,
      ).toBe(400);
      expect(
        (await asAdmin('PATCH', `/admin/roles/${existing}`, { permissions: ['bad'] })).statusCode,
      ).toBe(400);
      expect(await accessEvents()).toEqual(before);
      expect(await about(existing)).toEqual([
        event({
          type: 'role.created',
          target: { type: 'role', id: existing },
          details: { permissions: ['reports:view'] },
          // createRole calls through sut.admin, whose User-Agent is light-my-request's.
          user_agent: expect.any(String) as unknown as string,
        }),
      ]);
    });

    it('makes no change when its event cannot be recorded (one transaction)', async () => {
      const created = unique('unrecorded');
      await refusing('role.created', async () => {
        const response = await asAdmin('POST', '/admin/roles', { name: created, permissions: [] });
        expect(response.statusCode).toBe(500);
      });
      expect((await asAdmin('GET', `/admin/roles/${created}`)).statusCode).toBe(404);

      const kept = await createRole(sut, ['reports:view']);
      await refusing('role.updated', async () => {
        const response = await asAdmin('PATCH', `/admin/roles/${kept}`, { permissions: [] });
        expect(response.statusCode).toBe(500);
      });
      await refusing('role.deleted', async () => {
        expect((await asAdmin('DELETE', `/admin/roles/${kept}`)).statusCode).toBe(500);
      });
      const read = await asAdmin('GET', `/admin/roles/${kept}`);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ permissions: ['reports:view'] });
      expect((await about(kept)).map((item) => item.type)).toEqual(['role.created']);
    });
  });

  for (const kind of ['client', 'user'] as const) {
    describe(`${kind} role assignments: PUT /admin/${kind}s/{id}/roles`, () => {
      const type = `${kind}.roles_changed`;
      let id: string;
      let target: { type: string; id: string };
      let reader: string;
      let writer: string;
      let auditor: string;
      const put = (roles: string[], subject = id) =>
        asAdmin('PUT', `/admin/${kind}s/${subject}/roles`, { roles });
      const changes = (subject = id) => about(subject, { type });

      before(async () => {
        if (kind === 'client') {
          const response = await sut.admin('POST', '/admin/clients', {
            client_name: unique('audited-service'),
            client_type: 'm2m',
          });
          expect(response.statusCode).toBe(201);
          id = response.json().client_id;
        } else {
          id = (await createUser(sut)).id;
        }
        target = { type: kind, id };
        reader = await createRole(sut, ['invoices:read'], unique('b-reader'));
        writer = await createRole(sut, ['invoices:write'], unique('a-writer'));
        auditor = await createRole(sut, ['audit:read'], unique('c-auditor'));
      });

      it(`records ${kind}.roles_changed with the roles added`, async () => {
        const response = await put([reader, writer]);
        expect(response.statusCode).toBe(200);
        expect(await changes()).toEqual([
          event({ type, target, details: { added: [writer, reader], removed: [] } }),
        ]);
      });

      it('records the roles added and removed by a replacement', async () => {
        expect((await put([auditor, reader])).statusCode).toBe(200);
        expect((await changes())[0]).toEqual(
          event({ type, target, details: { added: [auditor], removed: [writer] } }),
        );
      });

      it('records nothing when the roles are the same (in any order)', async () => {
        const before = await about(id);
        expect((await put([reader, auditor])).statusCode).toBe(200);
        expect((await put([auditor, reader])).statusCode).toBe(200);
        expect(await about(id)).toEqual(before);
      });

      it('records the roles removed by an empty list, then nothing for another', async () => {
        expect((await put([])).statusCode).toBe(200);
        expect((await changes())[0]).toEqual(
          event({ type, target, details: { added: [], removed: [reader, auditor] } }),
        );
        const before = await about(id);
        expect((await put([])).statusCode).toBe(200);
        expect(await about(id)).toEqual(before);
        expect(await changes()).toHaveLength(3);
      });

      it('records nothing for a change that fails (400 unknown role, 404 unknown subject)', async () => {
        const before = await accessEvents();
        expect((await put([reader, 'no-such-role'])).statusCode).toBe(400);
        const unknown = kind === 'client' ? unique('no-such-client') : randomUUID();
        expect((await put([reader], unknown)).statusCode).toBe(404);
        expect(await accessEvents()).toEqual(before);
        expect(await about(unknown)).toEqual([]);
        expect((await asAdmin('GET', `/admin/roles/${reader}`)).statusCode).toBe(200);
      });

      it('makes no change when its event cannot be recorded (one transaction)', async () => {
        expect((await put([writer])).statusCode).toBe(200);
        await refusing(type, async () => {
          expect((await put([reader, auditor])).statusCode).toBe(500);
        });
        const table = kind === 'client' ? 'client_roles' : 'user_roles';
        const column = kind === 'client' ? 'client_id' : 'user_id';
        const rows: Array<{ role_name: string }> = await dataSource(sut).query(
          `SELECT role_name FROM ${table} WHERE ${column} = $1`,
          [id],
        );
        expect(rows.map((row) => row.role_name)).toEqual([writer]);
        expect((await changes())[0]).toEqual(
          event({ type, target, details: { added: [writer], removed: [] } }),
        );
      });
    });
  }

  describe('access rules', () => {
    let ruleId: string;

    it('records access_rule.created with what the rule asks for', async () => {
      const response = await asAdmin('POST', '/admin/access-rules', {
        methods: ['GET'],
        path: '/audited/**',
        permission: 'invoices:read',
        scopes: ['invoices'],
        audience: 'https://api.example.com',
      });
      expect(response.statusCode).toBe(201);
      ruleId = response.json().id;
      expect(await about(ruleId)).toEqual([
        event({
          type: 'access_rule.created',
          target: { type: 'access_rule', id: ruleId },
          details: {
            methods: ['GET'],
            path: '/audited/**',
            permission: 'invoices:read',
            scopes: ['invoices'],
            audience: 'https://api.example.com',
            anonymous: false,
            condition: null,
          },
        }),
      ]);
    });

    it('records access_rule.deleted', async () => {
      expect((await asAdmin('DELETE', `/admin/access-rules/${ruleId}`)).statusCode).toBe(204);
      expect(await about(ruleId)).toEqual([
        event({ type: 'access_rule.deleted', target: { type: 'access_rule', id: ruleId } }),
        expect.objectContaining({ type: 'access_rule.created' }) as unknown as AuditItem,
      ]);
    });

    it('records nothing for a change that fails (404, 400)', async () => {
      const before = await accessEvents();
      const unknown = randomUUID();
      expect((await asAdmin('DELETE', `/admin/access-rules/${unknown}`)).statusCode).toBe(404);
      expect((await asAdmin('DELETE', `/admin/access-rules/${ruleId}`)).statusCode).toBe(404);
      expect((await asAdmin('DELETE', '/admin/access-rules/not-a-uuid')).statusCode).toBe(404);
      expect((await asAdmin('POST', '/admin/access-rules', { path: 'no-slash' })).statusCode).toBe(
        400,
      );
      expect(
        (
          await asAdmin('POST', '/admin/access-rules', {
            path: '/open',
            anonymous: true,
            permission: 'invoices:read',
          })
        ).statusCode,
      ).toBe(400);
      expect(await accessEvents()).toEqual(before);
      expect(await about(unknown)).toEqual([]);
    });

    it('makes no change when its event cannot be recorded (one transaction)', async () => {
      const rules = async () =>
        (await asAdmin('GET', '/admin/access-rules?limit=200')).json<Array<{ id: string }>>();
      const before = await rules();
      await refusing('access_rule.created', async () => {
        const response = await asAdmin('POST', '/admin/access-rules', { path: '/unrecorded' });
        expect(response.statusCode).toBe(500);
      });
      expect(await rules()).toEqual(before);

      const created = await asAdmin('POST', '/admin/access-rules', { path: '/kept' });
      expect(created.statusCode).toBe(201);
      await refusing('access_rule.deleted', async () => {
        const response = await asAdmin('DELETE', `/admin/access-rules/${created.json().id}`);
        expect(response.statusCode).toBe(500);
      });
      expect((await rules()).map((rule) => rule.id)).toContain(created.json().id);
    });
  });
});
