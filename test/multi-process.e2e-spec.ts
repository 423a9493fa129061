import { expect } from 'expect';
import { describe, it } from 'node:test';
import { NEEDS_POSTGRES_SERVER } from './support/test-database';
import { twoProcessesOnOneDatabase } from './support/two-processes';
import { basicAuth, TestApp } from './support/test-app';
import { within } from './support/within';

// Two server processes share one PostgreSQL database and learn of each other's changes through
// LISTEN/NOTIFY. Embedded PGlite is single-process by design, so this needs TEST_DATABASE_URL
// (CI always sets it).
describe('multiple processes (on a PostgreSQL server)', { skip: NEEDS_POSTGRES_SERVER }, () => {
  describe('two processes on one database', () => {
    const apps = twoProcessesOnOneDatabase();

    const tokenStatus = (app: TestApp, id: string, secret: string) =>
      app
        .postForm(
          '/token',
          { grant_type: 'client_credentials' },
          { authorization: basicAuth(id, secret) },
        )
        .then((response) => response.statusCode);

    it('a token signed by one process is accepted by the other', async () => {
      const token = await apps.first.adminToken();
      const response = await apps.second.request({
        method: 'GET',
        url: '/admin/clients?limit=1',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.statusCode).toBe(200);
    });

    it('a client disabled through one process is refused by the other within one second', async () => {
      const { client_id, client_secret } = (
        await apps.first.admin('POST', '/admin/clients', {
          client_name: 'worker',
          client_type: 'm2m',
        })
      ).json();
      expect(await tokenStatus(apps.second, client_id, client_secret)).toBe(200);

      const disabled = await apps.first.admin('PATCH', `/admin/clients/${client_id}`, {
        status: 'disabled',
      });
      expect(disabled.statusCode).toBe(200);
      expect(
        await within(
          1000,
          async () => (await tokenStatus(apps.second, client_id, client_secret)) === 401,
        ),
      ).toBe(true);
    });

    it('a secret rotated through one process stops working in the other within one second', async () => {
      const { client_id, client_secret } = (
        await apps.first.admin('POST', '/admin/clients', {
          client_name: 'rotating',
          client_type: 'm2m',
        })
      ).json();
      expect(await tokenStatus(apps.second, client_id, client_secret)).toBe(200);

      const rotated = await apps.first.admin('POST', `/admin/clients/${client_id}/secret`);
      const fresh = rotated.json().client_secret as string;
      expect(
        await within(
          1000,
          async () => (await tokenStatus(apps.second, client_id, client_secret)) === 401,
        ),
      ).toBe(true);
      expect(await tokenStatus(apps.second, client_id, fresh)).toBe(200);
    });

    it('a client deleted through one process is unknown to the other within one second', async () => {
      const { client_id, client_secret } = (
        await apps.first.admin('POST', '/admin/clients', {
          client_name: 'doomed',
          client_type: 'm2m',
        })
      ).json();
      expect(await tokenStatus(apps.second, client_id, client_secret)).toBe(200);
      expect((await apps.first.admin('DELETE', `/admin/clients/${client_id}`)).statusCode).toBe(
        204,
      );
      expect(
        await within(
          1000,
          async () => (await tokenStatus(apps.second, client_id, client_secret)) === 401,
        ),
      ).toBe(true);
    });
  });
});
