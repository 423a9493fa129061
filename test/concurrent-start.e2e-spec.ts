import { expect } from 'expect';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase, NEEDS_POSTGRES_SERVER } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';

// Several processes starting together on one empty PostgreSQL database (WORKERS, several
// machines): migrations run once under an advisory lock. Embedded PGlite is one process.
describe('concurrent start (on a PostgreSQL server)', { skip: NEEDS_POSTGRES_SERVER }, () => {
  describe('processes starting together on one empty database', () => {
    let database: TestDatabase;
    const apps: TestApp[] = [];
    after(async () => {
      await Promise.all(apps.map((app) => app.close()));
      await database.drop();
    });

    it('apply each migration exactly once and all start', async () => {
      database = await createTestDatabase();
      const env = { KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
      apps.push(...(await Promise.all([1, 2, 3].map(() => startTestApp(env, { database })))));
      for (const app of apps) {
        expect((await app.request({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
      }
      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ name: string; count: number }>(
          'SELECT name, count(*)::int AS count FROM migrations GROUP BY name',
        );
        expect(rows.length).toBeGreaterThanOrEqual(4);
        expect(rows.every((row) => row.count === 1)).toBe(true);
      } finally {
        await client.end();
      }
    });
  });
});
