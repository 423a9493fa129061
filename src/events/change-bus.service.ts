import { Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { Metrics } from '../metrics/metrics';
import { ChangeEvent } from './change-events';
import { ChangeTransport } from './change-transport';

type Listener = (event: ChangeEvent) => void;

/**
 * Publishes changes so lower modules never call higher ones: `clients` announces a disabled
 * client, and whoever caches clients or tokens reacts. Listeners in this process hear an event
 * at once; a transport (PostgreSQL LISTEN/NOTIFY with DATABASE_URL) carries it to every other
 * process.
 */
@Injectable()
export class ChangeBus implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ChangeBus.name);
  private readonly listeners = new Set<Listener>();

  constructor(
    @Optional() private readonly transport?: ChangeTransport,
    @Optional() private readonly metrics: Metrics = Metrics.off(),
  ) {}

  async onModuleInit(): Promise<void> {
    await this.transport?.start((event, sentAt) => {
      this.deliver(event);
      // From another process: counted by type, with the lag since it was sent (docs/metrics.md;
      // across machines the lag includes their clock difference).
      this.metrics.changeApplied(
        event.type,
        sentAt === undefined ? undefined : (Date.now() - sentAt) / 1000,
      );
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.transport?.stop();
  }

  /**
   * Whether changes made by other processes reach this one now: always in one process (embedded
   * mode); with DATABASE_URL, while the listening connection is up.
   */
  get live(): boolean {
    return this.transport?.live ?? true;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: ChangeEvent): void {
    this.deliver(event);
    this.transport?.send(event);
  }

  private deliver(event: ChangeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error(`listener failed on ${event.type}: ${String(error)}`);
      }
    }
  }
}
