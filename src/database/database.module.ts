import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions, EntityList } from './data-source-options';
import { DatabaseServer } from './database-server';
import { runMigrationsLocked } from './run-migrations';
import { Housekeeping } from './housekeeping.service';

@Global()
@Module({
  providers: [
    {
      provide: DatabaseServer,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => DatabaseServer.start(config),
    },
  ],
  exports: [DatabaseServer],
})
class DatabaseServerModule {}

@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  /** The data source for `entities`, which the composition root lists (src/entities.ts). */
  static forRoot(entities: EntityList): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        DatabaseServerModule,
        TypeOrmModule.forRootAsync({
          inject: [DatabaseServer],
          useFactory: (server: DatabaseServer) => ({
            ...dataSourceOptions(server.settings, entities),
            retryAttempts: 0,
          }),
          // Migrations run under an advisory lock (see runMigrationsLocked), not in TypeORM's init.
          dataSourceFactory: async (options) => {
            const dataSource = new DataSource({
              ...options!,
              migrationsRun: false,
            });
            await dataSource.initialize();
            if (options?.migrationsRun) await runMigrationsLocked(dataSource);
            return dataSource;
          },
        }),
      ],
      providers: [Housekeeping],
      exports: [Housekeeping],
    };
  }

  constructor(
    @Inject(DatabaseServer) private readonly server: DatabaseServer,
    private readonly dataSource: DataSource,
  ) {}

  /** Close the pool before the embedded server it talks to. */
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.server.stop();
  }
}
