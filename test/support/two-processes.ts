import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { startTestApp, TestApp } from './test-app';
import { createTestDatabase, TestDatabase } from './test-database';

export interface TwoProcesses {
  readonly database: TestDatabase;
  readonly first: TestApp;
  readonly second: TestApp;
}

/** A value set by a `before` hook, or a clear error when it is read before that hook ran. */
function started<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`${name} is not started yet: read it in a test or hook`);
  return value;
}

/**
 * Two server processes of one deployment on one fresh database, with the same settings and the
 * same KEY_ENCRYPTION_KEY (each reads the signing keys the other stores). Registers a `before`
 * hook that starts them and an `after` hook that stops them and drops the database, in the
 * enclosing describe; read the getters in tests and later hooks. On a PostgreSQL server
 * (TEST_DATABASE_URL) they share the database and hear each other's changes through
 * LISTEN/NOTIFY; embedded PGlite gives each process its own.
 */
export function twoProcessesOnOneDatabase(env: Record<string, string> = {}): TwoProcesses {
  let database: TestDatabase | undefined;
  let first: TestApp | undefined;
  let second: TestApp | undefined;
  before(async () => {
    database = await createTestDatabase();
    const settings = { KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'), ...env };
    first = await startTestApp(settings, { database });
    second = await startTestApp(settings, { database });
  });
  after(async () => {
    await second?.close();
    await first?.close();
    await database?.drop();
  });
  return {
    get database() {
      return started(database, 'database');
    },
    get first() {
      return started(first, 'first');
    },
    get second() {
      return started(second, 'second');
    },
  };
}
