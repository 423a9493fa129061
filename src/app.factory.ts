import fastifyCookie from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { FastifyHttpOptions } from 'fastify';
import http, { Server } from 'node:http';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { HotRoutes, RequestListener } from './common/http/hot-routes';
import { echoRequestIds, REQUEST_ID_OPTIONS } from './common/http/request-id';
import { PinoLogger } from './common/pino-logger';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { setUpSwagger } from './swagger';

/**
 * Builds the whole application for `config`; `main.ts` and the tests both start here.
 * Errors Fastify raises before a handler runs (bad JSON, wrong type, body too large) reach the
 * global AllExceptionsFilter through Nest's Fastify error handler.
 */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const hotRoutes = new HotRoutes();
  const adapter = new FastifyAdapter({
    serverFactory: (fastifyListener: RequestListener, options: FastifyHttpOptions<Server>) =>
      createServer(hotRoutes, fastifyListener, options),
    bodyLimit: config.bodyLimit,
    logger: false,
    trustProxy:
      typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    return503OnClosing: true,
    ...REQUEST_ID_OPTIONS,
  });
  // Fastify sets its own closing flag just before the preClose hooks: the hot routes follow it.
  adapter.getInstance().addHook('preClose', (done) => {
    hotRoutes.close();
    done();
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, hotRoutes),
    adapter,
    {
      logger: new PinoLogger(config.logLevel),
      abortOnError: false,
    },
  );
  await app.register(fastifyCookie);
  echoRequestIds(app.getHttpAdapter().getInstance());
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  setUpSwagger(app, config);
  await app.init();
  return app;
}

/**
 * The HTTP server, as Fastify would make it, whose requests reach the hot routes (the access
 * decisions) before Fastify.
 */
function createServer(
  hotRoutes: HotRoutes,
  fastifyListener: RequestListener,
  options: FastifyHttpOptions<Server>,
): Server {
  const server = http.createServer(options.http ?? {}, hotRoutes.listener(fastifyListener));
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
