import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Metrics } from './metrics';
import { MetricsAddress, MetricsListener } from './metrics-listener';

const METRICS_ADDRESS = Symbol('METRICS_ADDRESS');

/**
 * Opens the metrics listener once the application is up, when it has an address (this process
 * serves its own metrics), and closes it on shutdown.
 */
@Injectable()
export class MetricsEndpoint implements OnApplicationBootstrap, OnApplicationShutdown {
  private listener?: MetricsListener;

  constructor(
    private readonly metrics: Metrics,
    @Inject(METRICS_ADDRESS) private readonly address: MetricsAddress | undefined,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.address) return;
    this.listener = await MetricsListener.start(this.address, () => this.metrics.scrape());
  }

  /** The port bound, while listening. */
  get port(): number | undefined {
    return this.listener?.port;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener?.close();
    this.listener = undefined;
  }
}

/**
 * The process's Metrics for every module (ground floor, docs/architecture.md), and its listener
 * when `address` is given. The composition root decides both from the settings.
 */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(metrics: Metrics, address?: MetricsAddress): DynamicModule {
    return {
      module: MetricsModule,
      providers: [
        { provide: Metrics, useValue: metrics },
        { provide: METRICS_ADDRESS, useValue: address },
        MetricsEndpoint,
      ],
      exports: [Metrics, MetricsEndpoint],
    };
  }
}
