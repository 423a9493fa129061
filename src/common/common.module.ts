import { DynamicModule, Global, Module } from '@nestjs/common';
import { DestinationStream } from 'pino';
import { Clock, SystemClock } from './clock';
import { Ids, RandomIds } from './ids';
import { ClientAddressReader } from './http/client-address';
import { ClientCertificateReader, TrustProxySetting } from './http/client-certificate';
import { Logs } from './logging/logs';

export interface CommonOptions {
  /** Tests pass a clock they can set and advance. */
  clock?: Clock;
  ids?: Ids;
  /** Where log lines go instead of standard output (tests read them). */
  logDestination?: DestinationStream;
}

/** What the composition root tells the ground floor from the configuration. */
export interface CommonSettings {
  /** TRUST_PROXY: which peers' forwarded headers (client certificates included) are believed. */
  trustProxy: TrustProxySetting;
  /** Every logger of the process (LOG_LEVEL, LOG_FORMAT). */
  logs: Logs;
}

/**
 * The ground floor's side effects (time, identifiers, loggers) and the one reader of client certificates
 * and of client addresses on the hot routes, provided once for every module.
 */
@Global()
@Module({})
export class CommonModule {
  static forRoot(settings: CommonSettings, options: CommonOptions = {}): DynamicModule {
    return {
      module: CommonModule,
      providers: [
        { provide: Clock, useValue: options.clock ?? new SystemClock() },
        { provide: Ids, useValue: options.ids ?? new RandomIds() },
        {
          provide: ClientCertificateReader,
          useValue: new ClientCertificateReader(settings.trustProxy),
        },
        { provide: ClientAddressReader, useValue: new ClientAddressReader(settings.trustProxy) },
        { provide: Logs, useValue: settings.logs },
      ],
      exports: [Clock, Ids, ClientCertificateReader, ClientAddressReader, Logs],
    };
  }
}
