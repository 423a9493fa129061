import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { FieldProblem, ValidationFailedError } from '../../common/api-error';
import { AccessDecisionService } from '../engine/access-decision.service';
import { DecisionLog } from '../engine/decision-log.service';
import { bearerToken } from './bearer';

const PART = /^[A-Za-z0-9_.-]{1,100}$/;

/** The request body, for the API docs; validated by `checkRequest` (this is a hot path). */
class CheckRequest {
  @ApiProperty({ example: 'invoices' }) resource: string;
  @ApiProperty({ example: 'read' }) action: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) context?: Record<
    string,
    unknown
  >;
}

/** Validates the body without class-validator, which costs more than the decision itself. */
function checkRequest(body: unknown): { resource: string; action: string } {
  const problems: FieldProblem[] = [];
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  for (const field of ['resource', 'action'] as const) {
    const value = fields[field];
    if (typeof value !== 'string' || !PART.test(value)) {
      problems.push({ field, problem: 'must be 1 to 100 letters, digits or _ . -' });
    }
  }
  const context = fields.context;
  if (
    context !== undefined &&
    (typeof context !== 'object' || context === null || Array.isArray(context))
  ) {
    problems.push({ field: 'context', problem: 'must be an object' });
  }
  const unknown = Object.keys(fields).filter(
    (key) => !['resource', 'action', 'context'].includes(key),
  );
  for (const field of unknown) problems.push({ field, problem: 'should not exist' });
  if (problems.length > 0) throw new ValidationFailedError(problems);
  return { resource: fields.resource as string, action: fields.action as string };
}

class CheckResponse {
  @ApiProperty() allowed: boolean;
  @ApiProperty({ description: 'allowed, or a reason code of CONTRACT §4' }) reason: string;
  @ApiProperty({ nullable: true, type: String }) sub: string | null;
  @ApiProperty({ nullable: true, type: String }) client_id: string | null;
  @ApiProperty({ nullable: true, type: String }) scope: string | null;
  @ApiProperty() decision_id: string;
}

/** CONTRACT §4 `POST /access/check`: may the caller's token do `resource:action`? */
@ApiTags('access')
@ApiBearerAuth('bearer')
@Controller('access/check')
export class CheckController {
  constructor(
    private readonly engine: AccessDecisionService,
    private readonly log: DecisionLog,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Decide for the Bearer token in the request: allowed or one reason' })
  @ApiBody({ type: CheckRequest })
  @ApiOkResponse({ type: CheckResponse })
  @ApiServiceUnavailableResponse({ description: 'The server cannot tell (never an allow)' })
  async check(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CheckResponse> {
    const { resource, action } = checkRequest(body);
    const decision = await this.engine.decidePermission({
      token: bearerToken(authorization),
      permission: `${resource}:${action}`,
    });
    this.log.record(decision, { surface: 'check' });
    void reply.headers({ 'x-decision-id': decision.decisionId, 'cache-control': 'no-store' });
    return {
      allowed: decision.allowed,
      reason: decision.reason,
      sub: decision.sub ?? null,
      client_id: decision.clientId ?? null,
      scope: decision.scope ?? null,
      decision_id: decision.decisionId,
    };
  }
}
