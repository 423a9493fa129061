import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/load-config';
import { dataSourceOptions } from './src/database/data-source-options';
import { DatabaseServer } from './src/database/database-server';
import { ENTITIES } from './src/entities';

/**
 * The DataSource the TypeORM CLI uses (`npm run migration:run|revert|generate`). With
 * DATABASE_URL it is that server; without, the embedded PGlite under DATA_DIR, started here.
 * The CLI awaits an exported promise.
 */
async function createCliDataSource(): Promise<DataSource> {
  const server = await DatabaseServer.start(loadConfig());
  const dataSource = new DataSource({
    ...dataSourceOptions(server.settings, ENTITIES),
    migrationsRun: false,
  });
  const destroy = dataSource.destroy.bind(dataSource);
  dataSource.destroy = async () => {
    await destroy();
    await server.stop();
  };
  return dataSource;
}

export default createCliDataSource();
