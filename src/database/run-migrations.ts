import { DataSource, MigrationExecutor } from 'typeorm';

/** Serializes migrations across every process and machine that starts on one database. */
const MIGRATION_LOCK = 7_364_829_100;

/**
 * Applies pending migrations while holding a PostgreSQL session advisory lock, so processes
 * starting together (WORKERS, several machines) run them once, one after another: the second
 * finds nothing left to do.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      // On the lock's own connection: embedded PGlite has only one.
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      await executor.executePendingMigrations();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
  }
}
