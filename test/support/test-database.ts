import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface TestDatabase {
  /** postgres:// URL of a fresh, empty database; undefined means embedded PGlite in memory. */
  url?: string;
  drop(): Promise<void>;
}

async function admin<T>(serverUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database per test file, so files run in parallel without seeing each other: a new
 * database on TEST_DATABASE_URL's server when it is set (CI), else embedded PGlite in memory.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) return { url: undefined, drop: async () => undefined };
  const name = `gatehouse_test_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      admin(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      ).then(() => undefined),
  };
}

/**
 * For node:test's `skip`: false with TEST_DATABASE_URL, else the reason the runner prints. Tests
 * that cut a database off or run several processes on one need a PostgreSQL server of their own;
 * embedded PGlite lives inside one process. CI sets TEST_DATABASE_URL and runs them all.
 */
export const NEEDS_POSTGRES_SERVER: false | string = process.env.TEST_DATABASE_URL
  ? false
  : 'needs TEST_DATABASE_URL (a PostgreSQL server): embedded PGlite cannot be cut off or shared by processes';
