import { Injectable } from '@nestjs/common';
import { ValidationFailedError } from '../../common/api-error';
import { AccessDecisionService } from '../engine/access-decision.service';
import { Decision } from '../engine/decision';
import { DecisionLog } from '../engine/decision-log.service';
import {
  EvaluationRequest,
  EvaluationResult,
  EvaluationsRequest,
  PartialEvaluation,
} from './authzen.dto';

class IncompleteEvaluationError extends ValidationFailedError {
  constructor() {
    super([
      {
        field: 'evaluations',
        problem: 'each evaluation needs subject, action and resource, itself or by default',
      },
    ]);
  }
}

/**
 * OpenID AuthZEN Authorization API 1.0 evaluations, mapped onto the decision engine: whether a
 * subject may do `action.name` on `resource.type` is the permission `resource.type:action.name`.
 * Every decision is logged (surface `authzen`). See docs/authzen.md.
 */
@Injectable()
export class AuthzenEvaluator {
  constructor(
    private readonly engine: AccessDecisionService,
    private readonly log: DecisionLog,
  ) {}

  /**
   * AuthZEN 1.0 §6: one evaluation, one decision. A role's condition on the permission sees the
   * request's subject, resource and action properties, its `context`, and `address`, the caller's
   * (docs/authzen.md).
   */
  async evaluate(request: EvaluationRequest, address?: string): Promise<EvaluationResult> {
    const started = this.log.start();
    const decision: Decision = await this.engine.decideSubject(
      { type: request.subject.type, id: request.subject.id },
      `${request.resource.type}:${request.action.name}`,
      {
        subject: request.subject,
        resource: request.resource,
        action: request.action,
        context: request.context,
        address,
      },
    );
    this.log.record({ ...decision, sub: request.subject.id }, { surface: 'authzen', started });
    return {
      decision: decision.allowed,
      context: { reason: decision.reason, decision_id: decision.decisionId },
    };
  }

  /**
   * AuthZEN 1.0 §7: a batch, in order, stopping as `options.evaluations_semantic` says. Without
   * an `evaluations` array, or with an empty one, the request is a single evaluation and the
   * answer a single decision (§7.1).
   */
  async evaluateAll(
    body: EvaluationsRequest,
    address?: string,
  ): Promise<{ evaluations: EvaluationResult[] } | EvaluationResult> {
    if (!body.evaluations || body.evaluations.length === 0)
      return this.evaluate(complete(body, {}), address);
    const semantic = body.options?.evaluations_semantic ?? 'execute_all';
    const results: EvaluationResult[] = [];
    for (const item of body.evaluations) {
      // §7.1.1: each evaluation its own context, the item's or else the default, never shared.
      const result = await this.evaluate(complete(body, item), address);
      results.push(result);
      if (semantic === 'deny_on_first_deny' && !result.decision) break;
      if (semantic === 'permit_on_first_permit' && result.decision) break;
    }
    return { evaluations: results };
  }
}

/**
 * AuthZEN 1.0 §7.1.1: top-level subject, action, resource and context are defaults for each
 * evaluation, a key of the evaluation replacing the default whole; a required one missing from
 * both is a 400.
 */
function complete(defaults: PartialEvaluation, item: PartialEvaluation): EvaluationRequest {
  const merged = {
    subject: item.subject ?? defaults.subject,
    action: item.action ?? defaults.action,
    resource: item.resource ?? defaults.resource,
    context: item.context ?? defaults.context,
  };
  if (!merged.subject || !merged.action || !merged.resource) {
    throw new IncompleteEvaluationError();
  }
  return merged as EvaluationRequest;
}
