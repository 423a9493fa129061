import { expect } from 'expect';
import { after, before, describe, it } from 'node:test';
import { basicAuth, startTestApp, TestApp } from './support/test-app';
import { createTestDatabase, TestDatabase, NEEDS_POSTGRES_SERVER } from './support/test-database';
import { within } from './support/within';
import { cutOffDatabase, restoreDatabase, databaseName } from './support/database-server';

// Cutting the database off needs a PostgreSQL server of our own to refuse connections to one
// test database; embedded PGlite lives inside the process. CI always sets TEST_DATABASE_URL.
describe('database outage (on a PostgreSQL server)', { skip: NEEDS_POSTGRES_SERVER }, () => {
  describe('when the database stops answering', () => {
    let database: TestDatabase;
    let sut: TestApp;
    let name: string;

    const cutOff = () => cutOffDatabase(name);
    const restore = () => restoreDatabase(name);

    before(async () => {
      database = await createTestDatabase();
      name = databaseName(database.url!);
      sut = await startTestApp({}, { database });
    });
    after(async () => {
      await restore();
      await sut.close();
      await database.drop();
    });

    it('answers 503, never a token or a 500, and recovers without a restart', async () => {
      const { client_id, client_secret } = (
        await sut.admin('POST', '/admin/clients', { client_name: 'svc', client_type: 'm2m' })
      ).json();
      await cutOff();

      const ready = await sut.request({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ status: 'unavailable', checks: { database: 'down' } });

      // The client was never looked up by /token, so only the database could vouch for it.
      const token = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(client_id, client_secret) },
      );
      expect(token.statusCode).toBe(503);
      expect(token.headers['retry-after']).toBe('1');
      expect(token.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'the service is temporarily unavailable',
      });

      await restore();
      const recovered = await sut.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(client_id, client_secret) },
      );
      expect(recovered.statusCode).toBe(200);
      // Ready again once change notifications are back and the decision state is reloaded.
      expect(
        await within(10000, async () => {
          const response = await sut.request({ method: 'GET', url: '/health/ready' });
          return response.statusCode === 200;
        }),
      ).toBe(true);
    });
  });
});
