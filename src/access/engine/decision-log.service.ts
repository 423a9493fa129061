import { Injectable } from '@nestjs/common';
import { Logger } from 'pino';
import { Logs } from '../../common/logging/logs';
import { AppConfig } from '../../config/app-config';
import { Decision } from './decision';

export interface DecisionLogContext {
  surface: 'check' | 'gateway' | 'authzen';
  method?: string;
  /** The request's path; a query string is left out of the log. */
  path?: string;
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
    logs: Logs,
  ) {
    this.log = logs.create({ log: 'access-decision' });
  }

  record(decision: Decision, context: DecisionLogContext): void {
    if (decision.allowed && Math.random() >= this.config.decisionLogSampleRate) return;
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
