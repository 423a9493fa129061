/**
 * OpenTelemetry tracing, loaded first by main.ts (before anything imports http, pg or ioredis,
 * so their instrumentations can wrap them): on only when an OTLP endpoint is configured with the
 * standard variables, and then the SDK is loaded. Otherwise neither the SDK nor an instrumentation is
 * loaded: tracing off costs nothing. See docs/observability.md and docs/decisions/0309-*.md.
 */
export function tracingConfigured(env: NodeJS.ProcessEnv): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return Boolean(endpoint) && env.OTEL_SDK_DISABLED !== 'true';
}

let flush: () => Promise<void> = () => Promise.resolve();

/** Resolves once the spans still buffered are sent (at once when tracing is off). */
export function tracesFlushed(): Promise<void> {
  return flush();
}

if (tracingConfigured(process.env)) {
  // A synchronous require: the instrumentations must be in place before main.ts goes on.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('./tracing-sdk') as typeof import('./tracing-sdk');
  flush = sdk.startTracing(process.env);
}
