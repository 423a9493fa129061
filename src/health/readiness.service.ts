import { Injectable, Optional } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccessDecisionService } from '../access/engine/access-decision.service';
import { ChangeBus } from '../events/change-bus.service';
import { DatabasePoolCounts, Metrics } from '../metrics/metrics';

/** How long the database may take to answer `SELECT 1` before it counts as down. */
const DATABASE_TIMEOUT_MS = 2000;

export type CheckName = 'database' | 'access_state' | 'revocation_list' | 'change_notifications';
export type CheckStatus = 'up' | 'down';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<CheckName, CheckStatus>;
}

/**
 * Whether this process can do its work now (docs/operations.md, readiness): the database answers,
 * and the decision engine can decide: its access state and revocation list are loaded and not made
 * doubtful since by a gap in change notifications, and those notifications reach it. Every check
 * is reported by name, so an operator sees which one failed.
 */
@Injectable()
export class Readiness {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly engine: AccessDecisionService,
    private readonly bus: ChangeBus,
    @Optional() metrics: Metrics = Metrics.off(),
  ) {
    // Read at each scrape (docs/metrics.md): the checks of /health/ready, and the pg pool.
    metrics.watchReadiness(async () => {
      const { checks } = await this.report();
      return Object.fromEntries(
        Object.entries(checks).map(([name, state]) => [name, state === 'up']),
      );
    });
    metrics.watchDatabasePool(() => poolCounts(this.dataSource));
    if (metrics.enabled)
      timeConnections(this.dataSource, (seconds) => metrics.databasePoolWaited(seconds));
  }

  async report(): Promise<ReadinessReport> {
    const database = await this.databaseAnswers();
    const { accessState, revocationList } = this.engine.readiness();
    const checks: ReadinessReport['checks'] = {
      database: status(database),
      access_state: status(accessState),
      revocation_list: status(revocationList),
      change_notifications: status(this.bus.live),
    };
    return { ready: Object.values(checks).every((check) => check === 'up'), checks };
  }

  private async databaseAnswers(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), DATABASE_TIMEOUT_MS);
    });
    const query = this.dataSource
      .query('SELECT 1')
      .then(() => true)
      .catch(() => false);
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The `pg` pool under TypeORM's PostgreSQL driver (embedded PGlite is reached the same way). */
function poolCounts(dataSource: DataSource): DatabasePoolCounts | undefined {
  const pool = (dataSource.driver as { master?: Partial<Pool> }).master;
  if (typeof pool?.totalCount !== 'number') return undefined;
  return { total: pool.totalCount, idle: pool.idleCount ?? 0, waiting: pool.waitingCount ?? 0 };
}

type Connect = (callback?: (...args: unknown[]) => void) => unknown;

/**
 * Times every wait for a pool connection (`gatehouse_db_pool_wait_seconds`, docs/metrics.md):
 * TypeORM asks the `pg` pool with a callback, others with a promise; both are timed from the ask
 * to the connection handed over (a new connection's set-up included).
 */
function timeConnections(dataSource: DataSource, waited: (seconds: number) => void): void {
  const pool = (dataSource.driver as { master?: { connect?: Connect } }).master;
  if (typeof pool?.connect !== 'function') return;
  const connect: Connect = pool.connect.bind(pool);
  pool.connect = (callback) => {
    const started = performance.now();
    const done = () => waited((performance.now() - started) / 1000);
    if (typeof callback === 'function') {
      return connect((...args: unknown[]) => {
        done();
        callback(...args);
      });
    }
    const connected = connect() as Promise<unknown>;
    return connected.then((client) => {
      done();
      return client;
    });
  };
}

function status(up: boolean): CheckStatus {
  return up ? 'up' : 'down';
}
