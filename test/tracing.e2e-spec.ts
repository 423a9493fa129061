import { expect } from 'expect';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { basicAuth } from './support/test-app';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { freePort } from './support/free-port';
import { within } from './support/within';

const SRC = join(__dirname, '..', 'src');
const ADMIN_ID = 'tracing-admin';
const ADMIN_SECRET = 'tracing-admin-secret-0123456789abcdefghij';
const TRACE_ID = randomBytes(16).toString('hex');
const CALLER_SPAN_ID = randomBytes(8).toString('hex');

/** A span as OTLP/HTTP JSON carries it (opentelemetry-proto, trace/v1/trace.proto). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}
interface ExportRequest {
  resourceSpans: {
    resource: { attributes: OtlpSpan['attributes'] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

/** A stand-in OpenTelemetry collector: keeps every export it is sent. */
async function startCollector(): Promise<{
  server: Server;
  url: string;
  exports: ExportRequest[];
}> {
  const exports: ExportRequest[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.url === '/v1/traces') exports.push(JSON.parse(body) as ExportRequest);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, exports };
}

const spansOf = (exports: ExportRequest[]) =>
  exports.flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
const attribute = (span: OtlpSpan, key: string) =>
  span.attributes.find((a) => a.key === key)?.value.stringValue;

/** Whether the OpenTelemetry SDK is loaded once tracing.ts and the whole application are. */
function loadsOpenTelemetry(env: Record<string, string>): boolean {
  const script = `require(${JSON.stringify(join(SRC, 'tracing.js'))});
    require(${JSON.stringify(join(SRC, 'app.factory.js'))});
    process.stdout.write(String(Object.keys(require.cache).some((p) => /@opentelemetry\\/(?!api\\/)/.test(p))));
    process.exit(0);`;
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')),
  );
  return (
    execFileSync(process.execPath, ['-e', script], { env: { ...clean, ...env } }).toString() ===
    'true'
  );
}

describe('OpenTelemetry traces (docs/observability.md)', () => {
  it('loads neither the OpenTelemetry SDK nor an instrumentation unless an OTLP endpoint is set', () => {
    expect(loadsOpenTelemetry({})).toBe(false);
    expect(
      loadsOpenTelemetry({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
    ).toBe(false);
    expect(
      loadsOpenTelemetry({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
        OTEL_SDK_DISABLED: 'true',
      }),
    ).toBe(false);
    expect(loadsOpenTelemetry({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })).toBe(true);
    expect(
      loadsOpenTelemetry({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9/v1/traces' }),
    ).toBe(true);
  });

  describe('with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
    let collector: Awaited<ReturnType<typeof startCollector>>;
    let database: TestDatabase;
    let gatehouse: ChildProcess;
    let output = '';
    let port: number;
    let exitCode: Promise<number | null>;

    before(async () => {
      collector = await startCollector();
      database = await createTestDatabase();
      port = await freePort();
      gatehouse = spawn(process.execPath, [join(SRC, 'main.js')], {
        env: {
          ...process.env,
          PORT: String(port),
          HOST: '127.0.0.1',
          ISSUER: `http://127.0.0.1:${port}`,
          ...(database.url ? { DATABASE_URL: database.url } : { DATA_DIR: ':memory:' }),
          KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
          ADMIN_CLIENT_ID: ADMIN_ID,
          ADMIN_CLIENT_SECRET: ADMIN_SECRET,
          BCRYPT_COST: '4',
          LOG_LEVEL: 'info',
          LOG_FORMAT: 'json',
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_SERVICE_NAME: 'gatehouse-under-test',
          // Spans go out every 2 s: the SIGTERM test ends the process before that.
          OTEL_BSP_SCHEDULE_DELAY: '2000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      exitCode = new Promise((resolve) => gatehouse.once('exit', (code) => resolve(code)));
      gatehouse.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      gatehouse.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const started = await within(60_000, async () => output.includes('listening on'));
      expect({ started, output: started ? '' : output }).toEqual({ started: true, output: '' });
    });
    after(async () => {
      if (gatehouse.exitCode === null) gatehouse.kill('SIGKILL');
      await exitCode;
      collector.server.close();
      await database.drop();
    });

    it('continues the caller’s trace, with the request’s queries under it, and logs its trace id', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/token`, {
        method: 'POST',
        headers: {
          authorization: basicAuth(ADMIN_ID, ADMIN_SECRET),
          'content-type': 'application/x-www-form-urlencoded',
          traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`,
          'x-request-id': 'traced-token-request',
        },
        body: 'grant_type=client_credentials',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toBe('traced-token-request');

      const inTrace = () => spansOf(collector.exports).filter((s) => s.traceId === TRACE_ID);
      const serverSpan = () => inTrace().find((s) => s.parentSpanId === CALLER_SPAN_ID);
      const isQuery = (s: OtlpSpan) =>
        attribute(s, 'db.system') === 'postgresql' ||
        attribute(s, 'db.system.name') === 'postgresql';
      expect(
        await within(10_000, async () => Boolean(serverSpan()) && inTrace().some(isQuery)),
      ).toBe(true);
      const server = serverSpan()!;
      expect(server.kind).toBe(2); // SPAN_KIND_SERVER
      const byId = new Map(inTrace().map((s) => [s.spanId, s]));
      const descendsFromServer = (span: OtlpSpan): boolean => {
        for (let at: OtlpSpan | undefined = span; at; at = byId.get(at.parentSpanId ?? '')) {
          if (at.spanId === server.spanId) return true;
        }
        return false;
      };
      const queries = inTrace().filter(isQuery);
      expect(queries.length).toBeGreaterThan(0);
      expect(queries.every(descendsFromServer)).toBe(true);
      const resource = collector.exports[0].resourceSpans[0].resource;
      expect(resource.attributes).toContainEqual({
        key: 'service.name',
        value: { stringValue: 'gatehouse-under-test' },
      });

      const lines = output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.request_id === 'traced-token-request');
      expect(lines).toEqual([
        expect.objectContaining({
          msg: 'request answered',
          status: 200,
          trace_id: TRACE_ID,
          span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
        }),
      ]);
      expect(byId.has(String(lines[0].span_id))).toBe(true);
    });

    it('sends the spans still buffered when SIGTERM ends it', async () => {
      const sent = spansOf(collector.exports).length;
      const response = await fetch(`http://127.0.0.1:${port}/health/live`, {
        headers: { traceparent: `00-${TRACE_ID}-${'1'.repeat(16)}-01` },
      });
      expect(response.status).toBe(200);
      gatehouse.kill('SIGTERM');
      await exitCode;
      const flushed = spansOf(collector.exports).slice(sent);
      expect(flushed).toContainEqual(
        expect.objectContaining({ traceId: TRACE_ID, parentSpanId: '1'.repeat(16), kind: 2 }),
      );
    });
  });
});
