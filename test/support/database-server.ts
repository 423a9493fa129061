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

/** The name of the test database at `url`. */
export function databaseName(url: string): string {
  return new URL(url).pathname.slice(1);
}

/** Cuts every app off database `name`: new connections are refused and open ones ended. */
export async function cutOffDatabase(name: string): Promise<void> {
  await onServer(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
  await onServer(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
  );
}

/** Lets apps connect to database `name` again. */
export function restoreDatabase(name: string): Promise<void> {
  return onServer(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
}

/**
 * Ends the change-notification connections to database `name` and refuses new connections, while
 * the connections already in the apps' pools keep answering: notifications lost, database up.
 * `restoreDatabase` lets the listeners reconnect.
 */
export async function cutOffNotifications(name: string): Promise<void> {
  await onServer(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
  await onServer(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
     WHERE datname = '${name}' AND application_name = 'gatehouse-listener'`,
  );
}
