import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

export interface ConnectionSettings {
  url: string;
  /** Embedded PGlite has one backend: one connection, or queries queue behind a transaction. */
  embedded: boolean;
  poolSize: number;
  migrationsRun: boolean;
}

/** The entity classes of every feature; the composition root lists them (src/entities.ts). */
export type EntityList = NonNullable<DataSourceOptions['entities']>;

export function dataSourceOptions(
  settings: ConnectionSettings,
  entities: EntityList,
): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities,
    migrations: MIGRATIONS,
    migrationsRun: settings.migrationsRun,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    uuidExtension: 'pgcrypto',
    logging: false,
    extra: {
      max: settings.embedded ? 1 : settings.poolSize,
      connectionTimeoutMillis: 5000,
      application_name: 'gatehouse',
    },
  };
}
