import { expect } from 'expect';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
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
import { basicAuth, startTestApp, TestApp } from './support/test-app';
import { createTestDatabase, TestDatabase, NEEDS_POSTGRES_SERVER } from './support/test-database';

// Two server processes on one PostgreSQL database learn of each other's changes through
// LISTEN/NOTIFY. Embedded PGlite is one process by design, so this needs TEST_DATABASE_URL
// (CI always sets it).
describe(
  'checkAccess across processes (on a PostgreSQL server)',
  { skip: NEEDS_POSTGRES_SERVER },
  () => {
    describe('checkAccess across two processes on one database (CONTRACT §4: within one second)', () => {
      let database: TestDatabase;
      let first: TestApp;
      let second: TestApp;
      let reader: string;
      const env = { KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };

      before(async () => {
        database = await createTestDatabase();
        first = await startTestApp(env, { database });
        second = await startTestApp(env, { database });
        reader = await createRole(first, ['invoices:read']);
        await createRule(first, { path: '/invoices/**', permission: 'invoices:read' });
      });
      after(async () => {
        await second.close();
        await first.close();
        await database.drop();
      });

      /** The reason `app` gives for the token, through /access/check. */
      const reason = async (app: TestApp, token: string) =>
        (await check(app, token, 'invoices', 'read')).json<{ reason: string }>().reason;
      /** Polls `app` until it gives `expected`, for at most one second. */
      const becomes = (app: TestApp, token: string, expected: string) =>
        within(1000, async () => (await reason(app, token)) === expected);

      it('a rule and a role made through one process are in force in the other within a second', async () => {
        const role = await createRole(first, ['ledger:read']);
        const service = await createService(first, 'ledger:read', [role]);
        const token = await clientToken(first, service);
        expect(
          await within(1000, async () => {
            const response = await check(second, token, 'ledger', 'read');
            return response.json<{ allowed: boolean }>().allowed;
          }),
        ).toBe(true);

        await createRule(first, { path: '/ledger/**', permission: 'ledger:read' });
        expect(
          await within(1000, async () => {
            const response = await gateway(second, { token, method: 'GET', uri: '/ledger/1' });
            return response.statusCode === 200;
          }),
        ).toBe(true);
      });

      it('a token revoked through one process is denied by the other within one second', async () => {
        const service = await createService(first, 'invoices:read', [reader]);
        const token = await clientToken(first, service);
        expect(await becomes(second, token, 'allowed')).toBe(true);

        const revoked = await first.postForm(
          '/revoke',
          { token },
          { authorization: basicAuth(service.client_id, service.client_secret) },
        );
        expect(revoked.statusCode).toBe(200);
        expect(await becomes(second, token, 'token_revoked')).toBe(true);
        const through = await gateway(second, { token, method: 'GET', uri: '/invoices/1' });
        expect(through.statusCode).toBe(401);
      });

      it('a user disabled through one process is denied by the other within one second', async () => {
        const client = await createClient(first, { scope: 'openid invoices:read' });
        const user = await createUser(first);
        await setUserRoles(first, user.id, [reader]);
        const { access_token: token } = await signInForTokens(first, client, user, {
          scope: 'openid invoices:read',
        });
        expect(await becomes(second, token, 'allowed')).toBe(true);

        await first.admin('PATCH', `/admin/users/${user.id}`, { status: 'disabled' });
        expect(await becomes(second, token, 'subject_inactive')).toBe(true);
        const through = await gateway(second, { token, method: 'GET', uri: '/invoices/1' });
        expect(through.statusCode).toBe(403);
      });

      it('a role removed through one process is denied by the other within one second', async () => {
        const service = await createService(first, 'invoices:read', [reader]);
        const token = await clientToken(first, service);
        expect(await becomes(second, token, 'allowed')).toBe(true);

        const removed = await first.admin('PUT', `/admin/clients/${service.client_id}/roles`, {
          roles: [],
        });
        expect(removed.statusCode).toBe(200);
        expect(await becomes(second, token, 'permission_denied')).toBe(true);
      });

      it('a role deleted through one process is denied by the other within one second', async () => {
        const role = await createRole(first, ['invoices:read']);
        const service = await createService(first, 'invoices:read', [role]);
        const token = await clientToken(first, service);
        expect(await becomes(second, token, 'allowed')).toBe(true);

        expect((await first.admin('DELETE', `/admin/roles/${role}`)).statusCode).toBe(204);
        expect(await becomes(second, token, 'permission_denied')).toBe(true);
      });

      it('a client disabled through one process is denied by the other within one second', async () => {
        const service = await createService(first, 'invoices:read', [reader]);
        const token = await clientToken(first, service);
        expect(await becomes(second, token, 'allowed')).toBe(true);

        await first.admin('PATCH', `/admin/clients/${service.client_id}`, { status: 'disabled' });
        expect(await becomes(second, token, 'client_inactive')).toBe(true);
      });

      it('works the other way round too', async () => {
        const service = await createService(second, 'invoices:read', [reader]);
        const token = await clientToken(second, service);
        expect(await becomes(first, token, 'allowed')).toBe(true);
        await second.admin('PUT', `/admin/clients/${service.client_id}/roles`, { roles: [] });
        expect(await becomes(first, token, 'permission_denied')).toBe(true);
      });
    });
  },
);
