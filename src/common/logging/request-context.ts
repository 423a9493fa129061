import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while serving a request carries (docs/observability.md). */
interface RequestContext {
  readonly requestId: string;
}

/** The ids of the current trace and span (src/tracing-sdk.ts provides them when tracing is on). */
export type TraceFields = () => { trace_id: string; span_id: string } | undefined;

const requests = new AsyncLocalStorage<RequestContext>();
let traceFields: TraceFields | undefined;

/**
 * Runs `serve` with `requestId` as the current request's id, carried through every callback and
 * await chain it starts (AsyncLocalStorage), so log lines find it without being handed it.
 */
export function runWithRequestId<A extends unknown[]>(
  requestId: string,
  serve: (...args: A) => void,
  ...args: A
): void {
  requests.run({ requestId }, serve, ...args);
}

/** The id of the request being served, if any. */
export function currentRequestId(): string | undefined {
  return requests.getStore()?.requestId;
}

/** Called once by the tracing set-up: log lines then carry `trace_id` and `span_id`. */
export function provideTraceFields(fields: TraceFields): void {
  traceFields = fields;
}

/**
 * The fields a log line adds for the request and trace it is written in (a pino mixin: a new
 * object each time, pino merges the line's own fields into it).
 */
export function logContextFields(): object {
  const requestId = requests.getStore()?.requestId;
  const trace = traceFields?.();
  if (requestId === undefined) return trace ?? {};
  return trace === undefined ? { request_id: requestId } : { request_id: requestId, ...trace };
}
