import { Global, Module } from '@nestjs/common';
import { DatabaseServer } from '../database/database-server';
import { AuditLog } from './audit-log.service';
import { ChangeBus } from './change-bus.service';
import { ChangeTransport } from './change-transport';
import { PostgresChangeTransport } from './postgres-change-transport';

/**
 * The change bus. With DATABASE_URL, PostgreSQL LISTEN/NOTIFY carries changes between
 * processes; embedded PGlite is one process (NOTIFY does not cross its connections), so
 * delivery stays in-process there.
 */
@Global()
@Module({
  providers: [
    {
      provide: ChangeTransport,
      inject: [DatabaseServer],
      useFactory: (server: DatabaseServer) =>
        server.settings.embedded ? undefined : new PostgresChangeTransport(server.settings.url),
    },
    ChangeBus,
    AuditLog,
  ],
  exports: [ChangeBus, AuditLog],
})
export class EventsModule {}
