import { Inject, Injectable, Optional } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';
import { AppConfig } from '../../config/app-config';
import { Metrics } from '../../metrics/metrics';
import { Decision } from './decision';

/** Where the lines go when not to standard output (tests). */
export const DECISION_LOG_DESTINATION = Symbol('DECISION_LOG_DESTINATION');

export interface DecisionLogContext {
  surface: 'check' | 'gateway' | 'authzen';
  method?: string;
  /** The request's path; a query string is left out of the log. */
  path?: string;
  /** What `start()` read when the decision began (the decision duration metric). */
  started?: number;
}

/**
 * One structured JSON line per decision (never the token): every deny, and allows sampled at
 * DECISION_LOG_SAMPLE_RATE so the log keeps up with gateway traffic.
 */
@Injectable()
export class DecisionLog {
  private readonly log: Logger;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    @Optional() @Inject(DECISION_LOG_DESTINATION) destination?: DestinationStream,
  ) {
    const options = {
      level: config.logLevel,
      base: { service: 'gatehouse', log: 'access-decision' },
    };
    this.log = destination ? pino(options, destination) : pino(options);
  }

  /** A clock reading for `context.started` (nothing read while metrics are off). */
  start(): number {
    return this.metrics.now();
  }

  /** Logs the decision and counts it (docs/metrics.md: by surface and reason code). */
  record(decision: Decision, context: DecisionLogContext): void {
    this.metrics.decision(context.surface, decision.reason, context.started);
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
