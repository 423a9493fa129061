import { Injectable } from '@nestjs/common';
import pino, { Logger } from 'pino';
import { AppConfig } from '../../config/app-config';
import { Decision } from './decision';

export interface DecisionLogContext {
  surface: 'check' | 'gateway' | 'authzen';
  method?: string;
  path?: string;
}

/**
 * One structured JSON line per decision (never the token): every deny, and allows sampled at
 * DECISION_LOG_SAMPLE_RATE so the log keeps up with gateway traffic.
 */
@Injectable()
export class DecisionLog {
  private readonly log: Logger;

  constructor(private readonly config: AppConfig) {
    this.log = pino({
      level: config.logLevel,
      base: { service: 'gatehouse', log: 'access-decision' },
    });
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
        ...context,
      },
      'access decision',
    );
  }
}
