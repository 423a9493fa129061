import { Injectable, Logger } from '@nestjs/common';
import { ChangeEvent } from './change-events';

type Listener = (event: ChangeEvent) => void;

/**
 * Publishes changes so lower modules never call higher ones: `clients` announces a disabled
 * client, and whoever caches clients or tokens reacts. In-process delivery here; the
 * cross-process transport (PostgreSQL LISTEN/NOTIFY) plugs in behind the same interface.
 */
@Injectable()
export class ChangeBus {
  private readonly logger = new Logger(ChangeBus.name);
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: ChangeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error(`listener failed on ${event.type}: ${String(error)}`);
      }
    }
  }
}
