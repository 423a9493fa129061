// First: tracing, when configured, must wrap http, pg and ioredis before anything loads them.
import './tracing';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import cluster from 'node:cluster';
import { createApp } from './app.factory';
import { runPrimary } from './cluster';
import { ConfigError, loadConfig } from './config/load-config';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config);
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  // The one line a start writes at info level (docs/observability.md).
  new Logger('Gatehouse').log(
    `Gatehouse ${process.pid} listening on ${config.host}:${config.port}, issuer ${config.issuer}, API docs at ${config.issuer}/docs`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  process.stderr.write(
    `Gatehouse failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
