import { expect } from 'expect';
import { describe, it } from 'node:test';
import { basicAuth } from './support/test-app';
import { NEEDS_POSTGRES_SERVER } from './support/test-database';
import { within } from './support/within';
import { cutOffDatabase, restoreDatabase } from './support/database-server';
import { processOnADatabaseToCutOff } from './support/process-to-cut-off';

// Cutting the database off needs a PostgreSQL server of our own to refuse connections to one
// test database; embedded PGlite lives inside the process. CI always sets TEST_DATABASE_URL.
describe('database outage (on a PostgreSQL server)', { skip: NEEDS_POSTGRES_SERVER }, () => {
  describe('when the database stops answering', () => {
    const outage = processOnADatabaseToCutOff();

    const cutOff = () => cutOffDatabase(outage.name);
    const restore = () => restoreDatabase(outage.name);

    it('answers 503, never a token or a 500, and recovers without a restart', async () => {
      const { client_id, client_secret } = (
        await outage.sut.admin('POST', '/admin/clients', { client_name: 'svc', client_type: 'm2m' })
      ).json();
      await cutOff();

      const ready = await outage.sut.request({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ status: 'unavailable', checks: { database: 'down' } });

      // The client was never looked up by /token, so only the database could vouch for it.
      const token = await outage.sut.postForm(
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
      const recovered = await outage.sut.postForm(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basicAuth(client_id, client_secret) },
      );
      expect(recovered.statusCode).toBe(200);
      // Ready again once change notifications are back and the decision state is reloaded.
      expect(
        await within(10000, async () => {
          const response = await outage.sut.request({ method: 'GET', url: '/health/ready' });
          return response.statusCode === 200;
        }),
      ).toBe(true);
    });
  });
});
