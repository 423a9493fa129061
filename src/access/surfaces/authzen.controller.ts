import { applyDecorators, Body, Controller, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { CHECK_SCOPE } from '../../common/auth/permissions';
import { ValidationFailedError } from '../../common/api-error';
import { RequireScope } from '../../common/auth/required-scope';
import { AccessDecisionService } from '../engine/access-decision.service';
import { Decision } from '../engine/decision';
import { DecisionLog } from '../engine/decision-log.service';
import { AuthzenRequestGuard } from './authzen-request.guard';
import { EvaluationRequest, EvaluationsRequest, PartialEvaluation } from './authzen.dto';

/** Authenticated first (401/403), then the transport checks of §10.1 (400). */
function AuthzenRoute(): MethodDecorator {
  return applyDecorators(HttpCode(200), RequireScope(CHECK_SCOPE), UseGuards(AuthzenRequestGuard));
}

interface EvaluationResult {
  decision: boolean;
  context: { reason: string; decision_id: string };
}

/**
 * OpenID AuthZEN Authorization API 1.0: the caller (a client with `iam:check`) asks whether a
 * subject may do `action.name` on `resource.type`; the permission is `resource.type:action.name`.
 * The PDP metadata is in discovery (`/.well-known/authzen-configuration`); `X-Request-ID` is
 * echoed for every route (common/http/request-id.ts). See docs/authzen.md.
 */
@ApiTags('access')
@Controller()
export class AuthzenController {
  constructor(
    private readonly engine: AccessDecisionService,
    private readonly log: DecisionLog,
  ) {}

  @Post('access/v1/evaluation')
  @AuthzenRoute()
  @ApiOperation({ summary: 'AuthZEN access evaluation' })
  async evaluation(
    @Body() body: EvaluationRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EvaluationResult> {
    const result = await this.evaluate(body);
    void reply.headers({
      'x-decision-id': result.context.decision_id,
      'cache-control': 'no-store',
    });
    return result;
  }

  @Post('access/v1/evaluations')
  @AuthzenRoute()
  @ApiOperation({
    summary: 'AuthZEN access evaluations (batch), honouring options.evaluations_semantic',
  })
  async evaluations(
    @Body() body: EvaluationsRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ evaluations: EvaluationResult[] } | EvaluationResult> {
    const batchId = randomUUID();
    void reply.headers({ 'x-decision-id': batchId, 'cache-control': 'no-store' });
    // AuthZEN 1.0 §7.1: without an `evaluations` array, or with an empty one, the request is a
    // single evaluation and the answer a single decision.
    if (!body.evaluations || body.evaluations.length === 0)
      return this.evaluate(this.complete(body, {}));
    const semantic = body.options?.evaluations_semantic ?? 'execute_all';
    const results: EvaluationResult[] = [];
    for (const item of body.evaluations) {
      const result = await this.evaluate(this.complete(body, item));
      results.push(result);
      if (semantic === 'deny_on_first_deny' && !result.decision) break;
      if (semantic === 'permit_on_first_permit' && result.decision) break;
    }
    return { evaluations: results };
  }

  /**
   * AuthZEN 1.0 §7.1.1: top-level subject, action, resource and context are defaults for each
   * evaluation, a key of the evaluation replacing the default whole; a required one missing from
   * both is a 400.
   */
  private complete(defaults: PartialEvaluation, item: PartialEvaluation): EvaluationRequest {
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

  private async evaluate(request: EvaluationRequest): Promise<EvaluationResult> {
    const decision: Decision = await this.engine.decideSubject(
      { type: request.subject.type, id: request.subject.id },
      `${request.resource.type}:${request.action.name}`,
    );
    this.log.record({ ...decision, sub: request.subject.id }, { surface: 'authzen' });
    return {
      decision: decision.allowed,
      context: { reason: decision.reason, decision_id: decision.decisionId },
    };
  }
}

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
