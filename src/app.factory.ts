import fastifyCookie from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
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
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimit,
    logger: false,
    trustProxy:
      typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new PinoLogger(config.logLevel),
    abortOnError: false,
  });
  await app.register(fastifyCookie);
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  setUpSwagger(app, config);
  await app.init();
  return app;
}

/** Believes the nearest `hops` proxies in X-Forwarded-For, as Express's numeric trust proxy. */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}
