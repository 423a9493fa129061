import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { EventsModule } from '../events/events.module';
import { HealthController } from './health.controller';
import { Readiness } from './readiness.service';

@Module({
  imports: [EventsModule, AccessModule],
  controllers: [HealthController],
  providers: [Readiness],
})
export class HealthModule {}
