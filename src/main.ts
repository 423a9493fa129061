import 'reflect-metadata';
import cluster from 'node:cluster';
import { createApp } from './app.factory';
import { runPrimary } from './cluster';
import { ConfigError, loadConfig } from './config/load-config';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.workers > 1 && cluster.isPrimary) return runPrimary(config);
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  process.stdout.write(
    `Gatehouse ${process.pid} listening on ${config.host}:${config.port}, issuer ${config.issuer}, API docs at ${config.issuer}/docs\n`,
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
