import { trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { provideTraceFields } from './common/logging/request-context';

const ENDING_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Starts the OpenTelemetry SDK (only ever loaded by tracing.ts): spans for HTTP (incoming and
 * outgoing, W3C `traceparent` honoured), PostgreSQL queries and Redis commands, exported over
 * OTLP as the standard OTEL_* variables say (endpoint, protocol, headers, sampler), under
 * OTEL_SERVICE_NAME (default `gatehouse`). Log lines then carry `trace_id` and `span_id`.
 */
export function startTracing(env: NodeJS.ProcessEnv): () => Promise<void> {
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || 'gatehouse',
    instrumentations: [
      new HttpInstrumentation(),
      new PgInstrumentation(),
      new IORedisInstrumentation(),
    ],
  });
  sdk.start();
  provideTraceFields(() => {
    const span = trace.getActiveSpan();
    if (!span) return undefined;
    const { traceId, spanId } = span.spanContext();
    return { trace_id: traceId, span_id: spanId };
  });
  return flushBeforeExit(sdk);
}

/**
 * The spans still buffered are sent before the process ends; the flush is returned. On SIGTERM
 * the application drains first and flushes as it shuts down (src/traces-flushed.ts), then exits
 * 0; when no application listens for the signal, this is the last listener left: the SDK shuts
 * down, flushing, and the signal ends the process as it would have. A process that ends by
 * running out of work (the cluster primary) flushes at `beforeExit`.
 */
function flushBeforeExit(sdk: NodeSDK): () => Promise<void> {
  let shutdown: Promise<void> | undefined;
  const flush = () => (shutdown ??= sdk.shutdown().catch(() => undefined));
  for (const signal of ENDING_SIGNALS) {
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) return;
      void flush().then(() => {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
  process.once('beforeExit', () => void flush());
  return flush;
}
