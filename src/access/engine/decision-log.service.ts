import { Injectable, Optional } from '@nestjs/common';
import { Logger } from 'pino';
import { Logs } from '../../common/logging/logs';
import { AppConfig } from '../../config/app-config';
import { Metrics } from '../../metrics/metrics';
import { Decision } from './decision';
import { DenialRecord } from './denial-record';

export interface DecisionLogContext {
  surface: 'check' | 'gateway' | 'authzen';
  method?: string;
  /** The request's path; a query string is left out of the log. */
  path?: string;
  /** What `start()` read when the decision began (the decision duration metric). */
  started?: number;
}

/**
 * One structured line per decision (never the token), with the request's id (docs/observability.md): every deny, and allows sampled at
 * DECISION_LOG_SAMPLE_RATE so the log keeps up with gateway traffic.
 */
@Injectable()
export class DecisionLog {
  private readonly log: Logger;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    logs: Logs,
    @Optional() private readonly denials: DenialRecord = new DenialRecord(),
  ) {
    this.log = logs.create({ log: 'access-decision' });
  }

  /** A clock reading for `context.started` (nothing read while metrics are off). */
  start(): number {
    return this.metrics.now();
  }

  /** Logs the decision and counts it; a deny also goes into the DenialRecord (docs/metrics.md: by surface and reason code). */
  record(decision: Decision, context: DecisionLogContext): void {
    this.metrics.decision(context.surface, decision.reason, context.started);
    // One branch on the allow path (the gateway's hottest): a deny is also kept for the overview.
    if (decision.allowed) {
      if (Math.random() >= this.config.decisionLogSampleRate) return;
    } else {
      this.denials.add(decision, context);
    }
    this.log.info(
      {
        decision_id: decision.decisionId,
        allowed: decision.allowed,
        reason: decision.reason,
        sub: decision.sub,
        client_id: decision.clientId,
        permission: decision.permission,
        rule_id: decision.ruleId,
        path_problem: decision.pathProblem,
        binding_problem: decision.bindingProblem,
        condition_problem: decision.conditionProblem,
        caller_sub: decision.caller?.sub,
        caller_client_id: decision.caller?.clientId,
        surface: context.surface,
        method: context.method,
        path: context.path?.split('?', 1)[0],
      },
      'access decision',
    );
  }
}
