import { LoggerService } from '@nestjs/common';
import { Logger } from 'pino';
import { Logs } from './logging/logs';

/**
 * Nest's own start-up chatter (modules initialised, every route mapped, "successfully started"):
 * at debug level, so a start shows one line at info (src/main.ts).
 */
const START_UP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/** Nest's logger over pino (common/logging/logs.ts). Callers never pass secrets. */
export class PinoLogger implements LoggerService {
  private readonly pino: Logger;

  constructor(logs: Logs) {
    this.pino = logs.create();
  }

  log(message: unknown, context?: string): void {
    if (context !== undefined && START_UP_CONTEXTS.has(context)) {
      this.pino.debug({ context }, String(message));
    } else {
      this.pino.info({ context }, String(message));
    }
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.pino.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.pino.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.pino.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.pino.trace({ context }, String(message));
  }
}
