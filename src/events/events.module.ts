import { Module } from '@nestjs/common';
import { DatabaseServer } from '../database/database-server';
import { AuditEvents } from './audit-events.service';
import { AuditEventsController } from './audit-events.controller';
import { AuditLog } from './audit-log.service';
import { ChangeBus } from './change-bus.service';
import { ChangeTransport } from './change-transport';
import { PostgresChangeTransport } from './postgres-change-transport';
import { Ids } from '../common/ids';

/**
 * The change bus. With DATABASE_URL, PostgreSQL LISTEN/NOTIFY carries changes between
 * processes; embedded PGlite is one process (NOTIFY does not cross its connections), so
 * delivery stays in-process there. The audit log: its writer, and the admin API that reads it.
 */
@Module({
  controllers: [AuditEventsController],
  providers: [
    {
      provide: ChangeTransport,
      inject: [DatabaseServer, Ids],
      useFactory: (server: DatabaseServer, ids: Ids) =>
        server.settings.embedded
          ? undefined
          : new PostgresChangeTransport(server.settings.url, ids.uuid()),
    },
    ChangeBus,
    AuditLog,
    AuditEvents,
  ],
  exports: [ChangeBus, AuditLog],
})
export class EventsModule {}
