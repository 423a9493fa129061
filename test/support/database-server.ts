import { Client } from 'pg';

/**
 * Runs one statement on TEST_DATABASE_URL's server itself, e.g. to refuse connections to one test
 * database (ALTER DATABASE ... ALLOW_CONNECTIONS) and so cut an app off its database.
 */
export async function onServer(sql: string): Promise<void> {
  const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
