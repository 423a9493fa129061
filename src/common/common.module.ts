import { DynamicModule, Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock';
import { Ids, RandomIds } from './ids';

export interface CommonOptions {
  /** Tests pass a clock they can set and advance. */
  clock?: Clock;
  ids?: Ids;
}

/** The ground floor's side effects (time, identifiers), provided once for every module. */
@Global()
@Module({})
export class CommonModule {
  static forRoot(options: CommonOptions = {}): DynamicModule {
    return {
      module: CommonModule,
      providers: [
        { provide: Clock, useValue: options.clock ?? new SystemClock() },
        { provide: Ids, useValue: options.ids ?? new RandomIds() },
      ],
      exports: [Clock, Ids],
    };
  }
}
