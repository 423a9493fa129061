import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { CryptoModule } from '../crypto/crypto.module';
import { EventsModule } from '../events/events.module';
import { UsersModule } from '../users/users.module';
import { ConsoleController } from './console.controller';
import { ConsoleFiles } from './console-files';
import { FirstAdmin } from './first-admin.service';
import { ConsoleSetup } from './setup.service';

/**
 * The admin console (docs/console.md): serves its build at /console, its settings, and makes the
 * first admin person (ADMIN_USERNAME/ADMIN_PASSWORD, or the one-time setup link). Its client,
 * `gatehouse-console`, is ensured by `clients`.
 */
@Module({
  imports: [AccessModule, UsersModule, EventsModule, CryptoModule],
  controllers: [ConsoleController],
  providers: [ConsoleFiles, FirstAdmin, ConsoleSetup],
})
export class ConsoleModule {}
