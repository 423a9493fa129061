import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { tracesFlushed } from './tracing';

/**
 * After the drain on SIGTERM the process exits 0 (docs/operations.md, "Shutdown"): the spans
 * still buffered are sent first (docs/observability.md). A no-op while tracing is off.
 */
@Injectable()
export class TracesFlushedAtShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return tracesFlushed();
  }
}
