import { AppConfig } from '../config/app-config';
import { ConnectionSettings } from './data-source-options';
import { EmbeddedDatabase, startEmbeddedDatabase } from './embedded-database';

/** Where the database is: the configured PostgreSQL, or an embedded PGlite started here. */
export class DatabaseServer {
  private constructor(
    readonly settings: ConnectionSettings,
    private readonly embedded?: EmbeddedDatabase,
  ) {}

  static async start(config: AppConfig): Promise<DatabaseServer> {
    const { url, dataDir, migrationsRun, poolSize } = config.database;
    if (url) return new DatabaseServer({ url, embedded: false, poolSize, migrationsRun });
    const embedded = await startEmbeddedDatabase(dataDir === ':memory:' ? undefined : dataDir);
    return new DatabaseServer(
      { url: embedded.url, embedded: true, poolSize: 1, migrationsRun },
      embedded,
    );
  }

  async stop(): Promise<void> {
    await this.embedded?.stop();
  }
}
