import cluster from 'node:cluster';
import { DataSource } from 'typeorm';
import { AppConfig } from './config/app-config';
import { dataSourceOptions } from './database/data-source-options';
import { ENTITIES } from './entities';
import { DatabaseServer } from './database/database-server';
import { runMigrationsLocked } from './database/run-migrations';
import { gatherFromWorkers } from './metrics/cluster-metrics';
import { MetricsListener } from './metrics/metrics-listener';

/**
 * WORKERS=N on one machine (node:cluster): the primary applies migrations once, then forks N
 * identical workers that share the listening port; a worker that dies is replaced. Every worker
 * shares state through PostgreSQL (sessions, revocations) and LISTEN/NOTIFY (cache changes).
 */
export async function runPrimary(config: AppConfig): Promise<void> {
  if (config.database.migrationsRun) await applyMigrations(config);
  let stopping = false;
  /** Workers that got as far as listening: one that dies before that is failing to start. */
  const listened = new Set<number>();
  const fork = () => cluster.fork({ MIGRATIONS_RUN: 'false' });
  // The workers' metrics, summed, on the primary's own metrics listener (docs/metrics.md).
  const metrics = config.metrics
    ? await MetricsListener.start(config.metrics, gatherFromWorkers())
    : undefined;
  cluster.on('listening', (worker) => listened.add(worker.id));
  cluster.on('exit', (worker, code, signal) => {
    const started = listened.delete(worker.id);
    if (stopping) {
      const alive = Object.values(cluster.workers ?? {}).filter(
        (other) => other && !other.isDead(),
      );
      if (alive.length === 0) void metrics?.close();
      return;
    }
    process.stderr.write(`Gatehouse worker ${worker.process.pid} exited (${signal ?? code}); `);
    if (!started) {
      process.stderr.write('it failed right after starting, so the primary stops\n');
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.kill();
      process.exitCode = 1;
      void metrics?.close();
      return;
    }
    process.stderr.write('starting a replacement\n');
    fork();
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (let i = 0; i < config.workers; i++) fork();
  process.stdout.write(`Gatehouse primary ${process.pid} started ${config.workers} workers\n`);
}

async function applyMigrations(config: AppConfig): Promise<void> {
  const server = await DatabaseServer.start(config);
  const dataSource = new DataSource({
    ...dataSourceOptions(server.settings, ENTITIES),
    migrationsRun: false,
  });
  try {
    await dataSource.initialize();
    await runMigrationsLocked(dataSource);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await server.stop();
  }
}
