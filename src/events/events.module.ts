import { Global, Module } from '@nestjs/common';
import { ChangeBus } from './change-bus.service';

@Global()
@Module({ providers: [ChangeBus], exports: [ChangeBus] })
export class EventsModule {}
