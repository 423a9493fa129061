import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

const INTERVAL_MS = 10 * 60 * 1000;
/** Only one process of many sweeps at a time. */
const SWEEP_LOCK = 7_364_829_103;

/**
 * Deletes rows whose time has passed (sessions, interactions, codes, tokens) every ten minutes,
 * off the request path. Each feature registers its own statement; this knows no feature tables.
 */
@Injectable()
export class Housekeeping implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Housekeeping.name);
  private readonly sweeps = new Map<string, string>();
  private timer?: NodeJS.Timeout;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** `sql` is a DELETE of expired rows; it runs in a transaction with the others. */
  register(name: string, sql: string): void {
    this.sweeps.set(name, sql);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<void> {
    try {
      await this.dataSource.transaction(async (manager) => {
        const [{ locked }] = await manager.query<Array<{ locked: boolean }>>(
          'SELECT pg_try_advisory_xact_lock($1) AS locked',
          [SWEEP_LOCK],
        );
        if (!locked) return;
        for (const sql of this.sweeps.values()) await manager.query(sql);
      });
    } catch (error) {
      this.logger.warn(
        `housekeeping failed: ${error instanceof Error ? error.message : 'unknown error'}`,
      );
    }
  }
}
