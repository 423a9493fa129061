import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccessDecisionService } from '../access/engine/access-decision.service';
import { ChangeBus } from '../events/change-bus.service';

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
  ) {}

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

function status(up: boolean): CheckStatus {
  return up ? 'up' : 'down';
}
