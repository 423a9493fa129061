import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { IsObject, IsOptional, Matches } from 'class-validator';
import { AccessDecisionService } from '../engine/access-decision.service';
import { DecisionLog } from '../engine/decision-log.service';
import { bearerToken } from './bearer';

const PART = /^[A-Za-z0-9_.-]{1,100}$/;

class CheckRequest {
  @ApiProperty({ example: 'invoices' })
  @Matches(PART, { message: 'must be 1 to 100 letters, digits or _ . -' })
  resource: string;

  @ApiProperty({ example: 'read' })
  @Matches(PART, { message: 'must be 1 to 100 letters, digits or _ . -' })
  action: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  context?: Record<string, unknown>;
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
  @ApiOkResponse({ type: CheckResponse })
  @ApiServiceUnavailableResponse({ description: 'The server cannot tell (never an allow)' })
  async check(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: CheckRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CheckResponse> {
    const decision = await this.engine.decidePermission({
      token: bearerToken(authorization),
      permission: `${body.resource}:${body.action}`,
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
