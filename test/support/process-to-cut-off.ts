import { after, before } from 'node:test';
import { databaseName, restoreDatabase } from './database-server';
import { startTestApp, TestApp } from './test-app';
import { createTestDatabase, TestDatabase } from './test-database';

export interface ProcessToCutOff {
  readonly database: TestDatabase;
  /** The name of the database on TEST_DATABASE_URL's server, for cutOffDatabase and its kin. */
  readonly name: string;
  readonly sut: TestApp;
}

/** A value set by a `before` hook, or a clear error when it is read before that hook ran. */
function started<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not started yet: read it in a test or hook`);
  return value;
}

/**
 * One server process on a fresh database of TEST_DATABASE_URL's server, which a test may cut off
 * (see database-server.ts). Registers a `before` hook that starts it and an `after` hook that
 * lets connections in again, stops it and drops the database, in the enclosing describe; read
 * the getters in tests and later hooks. Needs a PostgreSQL server (NEEDS_POSTGRES_SERVER).
 */
export function processOnADatabaseToCutOff(env: Record<string, string> = {}): ProcessToCutOff {
  let database: TestDatabase | undefined;
  let name: string | undefined;
  let sut: TestApp | undefined;
  before(async () => {
    database = await createTestDatabase();
    name = databaseName(database.url!);
    sut = await startTestApp(env, { database });
  });
  after(async () => {
    if (name !== undefined) await restoreDatabase(name);
    await sut?.close();
    await database?.drop();
  });
  return {
    get database() {
      return started(database, 'database');
    },
    get name() {
      return started(name, 'name');
    },
    get sut() {
      return started(sut, 'sut');
    },
  };
}
