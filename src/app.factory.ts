import fastifyCookie, { CookieSerializeOptions, ParseOptions } from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { FastifyHttpOptions, FastifyInstance } from 'fastify';
import cluster from 'node:cluster';
import http, { Server } from 'node:http';
import https from 'node:https';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { GATEWAY_PREFIX } from './access/surfaces/gateway.route';
import { AppModule } from './app.module';
import { CommonOptions } from './common/common.module';
import { cookieValue, EdgeGuardOptions, guardEdge, repeatsFor } from './common/http/edge-guard';
import { HotRoutes, RequestListener } from './common/http/hot-routes';
import { requestIdOptions, withRequestIds } from './common/http/request-id';
import { Logs } from './common/logging/logs';
import { Ids, RandomIds } from './common/ids';
import { logRequests } from './common/http/request-log';
import { parseForm } from './common/http/strict-form';
import { parseJson } from './common/http/strict-json';
import { PinoLogger } from './common/pino-logger';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { htmlErrorPage } from './error-page';
import { REFUSED_AT_EDGE_ROUTE, UNMATCHED_ROUTE } from './metrics/http-labels';
import { Metrics } from './metrics/metrics';
import { MetricsAddress } from './metrics/metrics-listener';
import { shareWithPrimary } from './metrics/cluster-metrics';
import { setUpSwagger } from './swagger';

/**
 * What the edge leaves to routes: the gateway judges the original request's URI itself (its path
 * decision), and /authorize answers repeated parameters itself.
 */
const EDGE: EdgeGuardOptions = {
  opaque: [{ prefix: GATEWAY_PREFIX, headers: ['x-original-uri', 'x-forwarded-uri'] }],
  ownRepeats: ['/authorize'],
  errorPage: htmlErrorPage,
};

/**
 * Builds the whole application for `config`; `main.ts` and the tests both start here.
 * Errors Fastify raises before a handler runs (bad JSON, wrong type, body too large) reach the
 * global AllExceptionsFilter through Nest's Fastify error handler. `common` replaces the clock or
 * the id source (tests).
 */
export async function createApp(
  config: AppConfig,
  common: CommonOptions = {},
): Promise<NestFastifyApplication> {
  const hotRoutes = new HotRoutes();
  const metrics = config.metrics ? Metrics.on() : Metrics.off();
  if (metrics.enabled && cluster.isWorker) shareWithPrimary(metrics);
  const ids = common.ids ?? new RandomIds();
  const timeouts = config.httpTimeouts;
  const adapter = new FastifyAdapter({
    serverFactory: (fastifyListener: RequestListener, options: FastifyHttpOptions<Server>) =>
      createServer(withEdge(hotRoutes, fastifyListener, ids, metrics), options, config),
    bodyLimit: config.bodyLimit,
    connectionTimeout: timeouts.idle * 1000,
    keepAliveTimeout: timeouts.keepAlive * 1000,
    requestTimeout: timeouts.request * 1000,
    logger: false,
    trustProxy:
      typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    return503OnClosing: true,
    ...requestIdOptions(ids),
  });
  if (metrics.enabled) recordRequests(metrics, hotRoutes, adapter.getInstance());
  // Fastify sets its own closing flag just before the preClose hooks: the hot routes follow it.
  adapter.getInstance().addHook('preClose', (done) => {
    hotRoutes.close();
    done();
  });
  const logs = new Logs(
    { level: config.logLevel, format: config.logFormat },
    common.logDestination,
  );
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, hotRoutes, logs, { ...common, ids }, metrics, metricsAddress(config)),
    adapter,
    {
      logger: new PinoLogger(logs),
      abortOnError: false,
    },
  );
  // Bodies are read strictly at the edge (docs/security/input.md): the same rules as the
  // hot routes' JSON (common/http/json-body.ts).
  app.useBodyParser('application/json', { bodyLimit: config.bodyLimit }, (_request, body, done) =>
    parseStrictly(parseJson, body, done),
  );
  app.useBodyParser(
    'application/x-www-form-urlencoded',
    { bodyLimit: config.bodyLimit },
    (request, body, done) =>
      parseStrictly((form) => parseForm(form, repeatsFor(request.url, EDGE)), body, done),
  );
  // @fastify/cookie hands parseOptions to the `cookie` package's parser, decode included.
  const cookieParsing: ParseOptions = { decode: cookieValue };
  await app.register(fastifyCookie, { parseOptions: cookieParsing as CookieSerializeOptions });
  logRequests(app.getHttpAdapter().getInstance(), logs.create({ log: 'request' }));
  app.useGlobalPipes(createValidationPipe());
  // docs/operations.md "Shutdown": after the drain, exit 0 (a clean stop), not by the signal.
  app.enableShutdownHooks(undefined, { useProcessExit: true });
  setUpSwagger(app, config);
  try {
    await app.init();
  } catch (error) {
    // A start that fails half-way (a setting the stored data refutes, say) still stops what it
    // started, such as the embedded database, so the caller can report it and exit cleanly.
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

/**
 * Every answered request is counted by its route's pattern (docs/metrics.md): Fastify's routes in
 * an onResponse hook (`unmatched` when no route matched, so a stranger's paths make no new series),
 * the hot routes by their declared path.
 */
function recordRequests(metrics: Metrics, hotRoutes: HotRoutes, fastify: FastifyInstance): void {
  hotRoutes.observe((route, method, status, milliseconds) =>
    metrics.httpRequest(route, method, status, milliseconds / 1000),
  );
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequest(
      request.routeOptions.url ?? UNMATCHED_ROUTE,
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
}

/**
 * Where this process serves its metrics: nowhere when they are off, and nowhere in a worker of
 * WORKERS > 1, whose metrics the primary gathers and serves (src/cluster.ts).
 */
function metricsAddress(config: AppConfig): MetricsAddress | undefined {
  if (!config.metrics || cluster.isWorker) return undefined;
  return config.metrics;
}

function parseStrictly(
  parse: (body: Buffer) => unknown,
  body: Buffer,
  done: (error: Error | null, parsed?: unknown) => void,
): void {
  let parsed: unknown;
  try {
    parsed = parse(body);
  } catch (error) {
    return done(error as Error);
  }
  done(null, parsed);
}

/**
 * Every request gets its id (common/http/request-id.ts), passes the edge checks and then reaches
 * the hot routes (the access decisions) before Fastify.
 */
function withEdge(
  hotRoutes: HotRoutes,
  fastifyListener: RequestListener,
  ids: Ids,
  metrics: Metrics,
): RequestListener {
  const edge: EdgeGuardOptions = metrics.enabled
    ? {
        ...EDGE,
        refused: (method, status, milliseconds) =>
          metrics.httpRequest(REFUSED_AT_EDGE_ROUTE, method, status, milliseconds / 1000),
      }
    : EDGE;
  return withRequestIds(guardEdge(hotRoutes.listener(fastifyListener), edge), ids);
}

/**
 * The HTTP server, as Fastify would make it, serving `listener`. Slow senders are cut off: a
 * request's headers and the whole request have their own deadlines (then 408), an idle
 * keep-alive connection closes after `keepAlive`, a silent one after `idle`. With TLS_CERT_FILE and
 * TLS_KEY_FILE the server speaks HTTPS and asks every client for a certificate without requiring
 * one (RFC 8705 §2: only the mutual-TLS clients need it; docs/mtls.md).
 */
function createServer(
  listener: RequestListener,
  options: FastifyHttpOptions<Server>,
  config: AppConfig,
): Server {
  const { headers, request } = config.httpTimeouts;
  const serverOptions: http.ServerOptions = {
    ...options.http,
    headersTimeout: headers * 1000,
    requestTimeout: request * 1000,
    // How often Node looks for requests past those deadlines (its default is 30 s).
    connectionsCheckingInterval: Math.min(1000, headers * 250),
  };
  const { certificate, key } = config.tls;
  const server: Server =
    certificate && key
      ? https.createServer(
          {
            ...serverOptions,
            cert: certificate,
            key,
            // Requested, never required: a certificate that does not verify against the CAs
            // still reaches client authentication, which decides (RFC 8705 §2.1, §2.2).
            requestCert: true,
            rejectUnauthorized: false,
          },
          listener,
        )
      : http.createServer(serverOptions, listener);
  // What Fastify sets on a server it makes itself (fastify/lib/server.js).
  if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
  if (options.requestTimeout !== undefined) server.requestTimeout = options.requestTimeout;
  if (options.connectionTimeout !== undefined) server.setTimeout(options.connectionTimeout);
  if (options.maxRequestsPerSocket) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
  return server;
}

/** Believes the nearest `hops` proxies in X-Forwarded-For, as Express's numeric trust proxy. */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}
