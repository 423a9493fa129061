import { expect } from 'expect';
import { describe, it } from 'node:test';
import {
  accessTokenClaims,
  clientToken,
  createRole,
  createService,
  setUserRoles,
  signWithServerKey,
  within,
} from './support/access';
import { TestApp } from './support/test-app';
import { NEEDS_POSTGRES_SERVER } from './support/test-database';
import { twoProcessesOnOneDatabase } from './support/two-processes';

// Two server processes on one PostgreSQL database (LISTEN/NOTIFY): needs TEST_DATABASE_URL.
describe(
  'attributes and user names across processes (docs/access.md: fresh within a second)',
  { skip: NEEDS_POSTGRES_SERVER },
  () => {
    const apps = twoProcessesOnOneDatabase();

    const evaluate = (app: TestApp, token: string, id: string) =>
      app.request({
        method: 'POST',
        url: '/access/v1/evaluation',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        payload: {
          subject: { type: 'user', id },
          action: { name: 'read' },
          resource: { type: 'invoices', id: 'inv-1' },
        },
      });

    it('a user made and changed through one process is named and described by the other within a second', async () => {
      const checker = await clientToken(apps.second, await createService(apps.second, 'iam:check'));
      const role = await createRole(apps.first, ['invoices:read']);
      const created = await apps.first.admin('POST', '/admin/users', {
        username: 'far-away',
        password: 'correct horse battery',
        email: 'far@example.com',
        attributes: { tenant: 'acme' },
      });
      expect(created.statusCode).toBe(201);
      const userId = created.json().id;
      await setUserRoles(apps.first, userId, [role]);
      expect(
        await within(1000, async () => {
          const response = await evaluate(apps.second, checker, 'FAR@example.com');
          return response.json<{ decision: boolean }>().decision;
        }),
      ).toBe(true);

      const service = await createService(apps.first, 'invoices:read', []);
      const token = await signWithServerKey(
        apps.second,
        accessTokenClaims(apps.second, service.client_id, { sub: userId }),
      );
      const attributes = async () =>
        (
          await apps.second.admin('POST', '/admin/access/explain', {
            token,
            resource: 'invoices',
            action: 'read',
          })
        ).json<{ subject: { attributes: object } }>().subject.attributes;
      expect(await attributes()).toEqual({ tenant: 'acme' });
      const patched = await apps.first.admin('PATCH', `/admin/users/${userId}`, {
        attributes: { tenant: 'globex' },
      });
      expect(patched.statusCode).toBe(200);
      expect(
        await within(
          1000,
          async () => JSON.stringify(await attributes()) === '{"tenant":"globex"}',
        ),
      ).toBe(true);
    });
  },
);
