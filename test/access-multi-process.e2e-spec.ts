import { expect } from 'expect';
import { before, describe, it } from 'node:test';
import {
  check,
  clientToken,
  createRole,
  createRule,
  createService,
  gateway,
  setUserRoles,
  within,
} from './support/access';
import { createClient, createUser, signInForTokens } from './support/code-flow';
import { basicAuth, TestApp } from './support/test-app';
import { NEEDS_POSTGRES_SERVER } from './support/test-database';
import { twoProcessesOnOneDatabase } from './support/two-processes';

// Two server processes on one PostgreSQL database learn of each other's changes through
// LISTEN/NOTIFY. Embedded PGlite is one process by design, so this needs TEST_DATABASE_URL
// (CI always sets it).
describe(
  'checkAccess across processes (on a PostgreSQL server)',
  { skip: NEEDS_POSTGRES_SERVER },
  () => {
    describe('checkAccess across two processes on one database (docs/access.md: fresh within a second)', () => {
      const apps = twoProcessesOnOneDatabase();
      let reader: string;

      before(async () => {
        reader = await createRole(apps.first, ['invoices:read']);
        await createRule(apps.first, { path: '/invoices/**', permission: 'invoices:read' });
      });

      /** The reason `app` gives for the token, through /access/check. */
      const reason = async (app: TestApp, token: string) =>
        (await check(app, token, 'invoices', 'read')).json<{ reason: string }>().reason;
      /** Polls `app` until it gives `expected`, for at most one second. */
      const becomes = (app: TestApp, token: string, expected: string) =>
        within(1000, async () => (await reason(app, token)) === expected);

      it('a rule and a role made through one process are in force in the other within a second', async () => {
        const role = await createRole(apps.first, ['ledger:read']);
        const service = await createService(apps.first, 'ledger:read', [role]);
        const token = await clientToken(apps.first, service);
        expect(
          await within(1000, async () => {
            const response = await check(apps.second, token, 'ledger', 'read');
            return response.json<{ allowed: boolean }>().allowed;
          }),
        ).toBe(true);

        await createRule(apps.first, { path: '/ledger/**', permission: 'ledger:read' });
        expect(
          await within(1000, async () => {
            const response = await gateway(apps.second, { token, method: 'GET', uri: '/ledger/1' });
            return response.statusCode === 200;
          }),
        ).toBe(true);
      });

      it('a token revoked through one process is denied by the other within one second', async () => {
        const service = await createService(apps.first, 'invoices:read', [reader]);
        const token = await clientToken(apps.first, service);
        expect(await becomes(apps.second, token, 'allowed')).toBe(true);

        const revoked = await apps.first.postForm(
          '/revoke',
          { token },
          { authorization: basicAuth(service.client_id, service.client_secret) },
        );
        expect(revoked.statusCode).toBe(200);
        expect(await becomes(apps.second, token, 'token_revoked')).toBe(true);
        const through = await gateway(apps.second, { token, method: 'GET', uri: '/invoices/1' });
        expect(through.statusCode).toBe(401);
      });

      it('a user disabled through one process is denied by the other within one second', async () => {
        const client = await createClient(apps.first, { scope: 'openid invoices:read' });
        const user = await createUser(apps.first);
        await setUserRoles(apps.first, user.id, [reader]);
        const { access_token: token } = await signInForTokens(apps.first, client, user, {
          scope: 'openid invoices:read',
        });
        expect(await becomes(apps.second, token, 'allowed')).toBe(true);

        await apps.first.admin('PATCH', `/admin/users/${user.id}`, { status: 'disabled' });
        expect(await becomes(apps.second, token, 'subject_inactive')).toBe(true);
        const through = await gateway(apps.second, { token, method: 'GET', uri: '/invoices/1' });
        expect(through.statusCode).toBe(403);
      });

      it('a role removed through one process is denied by the other within one second', async () => {
        const service = await createService(apps.first, 'invoices:read', [reader]);
        const token = await clientToken(apps.first, service);
        expect(await becomes(apps.second, token, 'allowed')).toBe(true);

        const removed = await apps.first.admin('PUT', `/admin/clients/${service.client_id}/roles`, {
          roles: [],
        });
        expect(removed.statusCode).toBe(200);
        expect(await becomes(apps.second, token, 'permission_denied')).toBe(true);
      });

      it('a role deleted through one process is denied by the other within one second', async () => {
        const role = await createRole(apps.first, ['invoices:read']);
        const service = await createService(apps.first, 'invoices:read', [role]);
        const token = await clientToken(apps.first, service);
        expect(await becomes(apps.second, token, 'allowed')).toBe(true);

        expect((await apps.first.admin('DELETE', `/admin/roles/${role}`)).statusCode).toBe(204);
        expect(await becomes(apps.second, token, 'permission_denied')).toBe(true);
      });

      it('a client disabled through one process is denied by the other within one second', async () => {
        const service = await createService(apps.first, 'invoices:read', [reader]);
        const token = await clientToken(apps.first, service);
        expect(await becomes(apps.second, token, 'allowed')).toBe(true);

        await apps.first.admin('PATCH', `/admin/clients/${service.client_id}`, {
          status: 'disabled',
        });
        expect(await becomes(apps.second, token, 'client_inactive')).toBe(true);
      });

      it('works the other way round too', async () => {
        const service = await createService(apps.second, 'invoices:read', [reader]);
        const token = await clientToken(apps.second, service);
        expect(await becomes(apps.first, token, 'allowed')).toBe(true);
        await apps.second.admin('PUT', `/admin/clients/${service.client_id}/roles`, { roles: [] });
        expect(await becomes(apps.first, token, 'permission_denied')).toBe(true);
      });
    });
  },
);
