import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  ValidateNested,
} from 'class-validator';
import { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { CHECK_SCOPE } from '../../clients/client.types';
import { ValidationFailedError } from '../../common/api-error';
import { RequireScope } from '../../common/auth/required-scope';
import { AppConfig } from '../../config/app-config';
import { AccessDecisionService } from '../engine/access-decision.service';
import { Decision } from '../engine/decision';
import { DecisionLog } from '../engine/decision-log.service';

const PART = /^[A-Za-z0-9_.-]{1,100}$/;

class AuthzenSubject {
  @ApiProperty({ enum: ['user', 'client'] }) @IsIn(['user', 'client']) type: 'user' | 'client';
  @ApiProperty() @IsString() id: string;
  @ApiPropertyOptional() @IsOptional() @IsObject() properties?: Record<string, unknown>;
}
class AuthzenAction {
  @ApiProperty({ example: 'read' })
  @Matches(PART, { message: 'must be letters, digits or _ . -' })
  name: string;
  @ApiPropertyOptional() @IsOptional() @IsObject() properties?: Record<string, unknown>;
}
class AuthzenResource {
  @ApiProperty({ example: 'invoices' })
  @Matches(PART, { message: 'must be letters, digits or _ . -' })
  type: string;
  @ApiPropertyOptional() @IsOptional() @IsString() id?: string;
  @ApiPropertyOptional() @IsOptional() @IsObject() properties?: Record<string, unknown>;
}

/** ValidateNested lets a missing object through: IsObject makes the three parts required. */
class EvaluationRequest {
  @ApiProperty({ type: AuthzenSubject })
  @IsObject()
  @ValidateNested()
  @Type(() => AuthzenSubject)
  subject: AuthzenSubject;
  @ApiProperty({ type: AuthzenAction })
  @IsObject()
  @ValidateNested()
  @Type(() => AuthzenAction)
  action: AuthzenAction;
  @ApiProperty({ type: AuthzenResource })
  @IsObject()
  @ValidateNested()
  @Type(() => AuthzenResource)
  resource: AuthzenResource;
  @ApiPropertyOptional() @IsOptional() @IsObject() context?: Record<string, unknown>;
}

class PartialEvaluation {
  @ApiPropertyOptional({ type: AuthzenSubject })
  @IsOptional()
  @ValidateNested()
  @Type(() => AuthzenSubject)
  subject?: AuthzenSubject;
  @ApiPropertyOptional({ type: AuthzenAction })
  @IsOptional()
  @ValidateNested()
  @Type(() => AuthzenAction)
  action?: AuthzenAction;
  @ApiPropertyOptional({ type: AuthzenResource })
  @IsOptional()
  @ValidateNested()
  @Type(() => AuthzenResource)
  resource?: AuthzenResource;
  @ApiPropertyOptional() @IsOptional() @IsObject() context?: Record<string, unknown>;
}

const SEMANTICS = ['execute_all', 'deny_on_first_deny', 'permit_on_first_permit'] as const;
class EvaluationOptions {
  @ApiPropertyOptional({ enum: SEMANTICS })
  @IsOptional()
  @IsIn(SEMANTICS)
  evaluations_semantic?: (typeof SEMANTICS)[number];
}

class EvaluationsRequest extends PartialEvaluation {
  @ApiPropertyOptional({ type: [PartialEvaluation] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => PartialEvaluation)
  evaluations?: PartialEvaluation[];

  @ApiPropertyOptional({ type: EvaluationOptions })
  @IsOptional()
  @ValidateNested()
  @Type(() => EvaluationOptions)
  options?: EvaluationOptions;
}

interface EvaluationResult {
  decision: boolean;
  context: { reason: string; decision_id: string };
}

/**
 * OpenID AuthZEN Authorization API 1.0: the caller (a client with `iam:check`) asks whether a
 * subject may do `action.name` on `resource.type`; the permission is `resource.type:action.name`.
 */
@ApiTags('access')
@Controller()
export class AuthzenController {
  constructor(
    private readonly engine: AccessDecisionService,
    private readonly log: DecisionLog,
    private readonly config: AppConfig,
  ) {}

  @Get('.well-known/authzen-configuration')
  @ApiOperation({ summary: 'AuthZEN PDP metadata' })
  @ApiOkResponse()
  configuration(@Res({ passthrough: true }) reply: FastifyReply): Record<string, string> {
    void reply.headers({
      'access-control-allow-origin': '*',
      'cache-control': 'public, max-age=300',
    });
    return {
      policy_decision_point: this.config.issuer,
      access_evaluation_endpoint: `${this.config.issuer}/access/v1/evaluation`,
      access_evaluations_endpoint: `${this.config.issuer}/access/v1/evaluations`,
    };
  }

  @Post('access/v1/evaluation')
  @HttpCode(200)
  @RequireScope(CHECK_SCOPE)
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
  @HttpCode(200)
  @RequireScope(CHECK_SCOPE)
  @ApiOperation({
    summary: 'AuthZEN access evaluations (batch), honouring options.evaluations_semantic',
  })
  async evaluations(
    @Body() body: EvaluationsRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ evaluations: EvaluationResult[] } | EvaluationResult> {
    const batchId = randomUUID();
    void reply.headers({ 'x-decision-id': batchId, 'cache-control': 'no-store' });
    // AuthZEN 1.0: without an `evaluations` array the request is a single evaluation.
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

  /** Top-level subject, action, resource and context are defaults for each evaluation. */
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
