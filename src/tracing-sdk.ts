import { trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { provideTraceFields } from './common/logging/request-context';

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
 * The flush of the spans still buffered, run once. Every process that ends on a signal has its
 * own listener for it: a server flushes as the application shuts down (src/traces-flushed.ts),
 * the cluster primary stops its workers; a process that ends by running out of work flushes at
 * `beforeExit`.
 */
function flushBeforeExit(sdk: NodeSDK): () => Promise<void> {
  let shutdown: Promise<void> | undefined;
  const flush = () => (shutdown ??= sdk.shutdown().catch(() => undefined));
  process.once('beforeExit', () => void flush());
  return flush;
}
