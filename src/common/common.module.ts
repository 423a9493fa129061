import { DynamicModule, Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock';
import { Ids, RandomIds } from './ids';
import { ClientAddressReader } from './http/client-address';
import { ClientCertificateReader, TrustProxySetting } from './http/client-certificate';

export interface CommonOptions {
  /** Tests pass a clock they can set and advance. */
  clock?: Clock;
  ids?: Ids;
}

/** What the composition root tells the ground floor from the configuration. */
export interface CommonSettings {
  /** TRUST_PROXY: which peers' forwarded headers (client certificates included) are believed. */
  trustProxy: TrustProxySetting;
}

/**
 * The ground floor's side effects (time, identifiers) and the one reader of client certificates
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
      ],
      exports: [Clock, Ids, ClientCertificateReader, ClientAddressReader],
    };
  }
}
