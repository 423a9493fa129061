import {
  applyDecorators,
  Body,
  Controller,
  HttpCode,
  Ip,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { CHECK_SCOPE } from '../../common/auth/permissions';
import { RequireScope } from '../../common/auth/required-scope';
import { Ids } from '../../common/ids';
import { AuthzenEvaluator } from './authzen-evaluator.service';
import { AuthzenRequestGuard } from './authzen-request.guard';
import { EvaluationRequest, EvaluationResult, EvaluationsRequest } from './authzen.dto';

/** Authenticated first (401/403), then the transport checks of §10.1 (400). */
function AuthzenRoute(): MethodDecorator {
  return applyDecorators(HttpCode(200), RequireScope(CHECK_SCOPE), UseGuards(AuthzenRequestGuard));
}

/**
 * OpenID AuthZEN Authorization API 1.0: the caller (a client with `iam:check`) asks whether a
 * subject may do `action.name` on `resource.type` (AuthzenEvaluator). The PDP metadata is in
 * discovery (`/.well-known/authzen-configuration`); `X-Request-ID` is echoed for every route
 * (common/http/request-id.ts). See docs/authzen.md.
 */
@ApiTags('access')
@Controller()
export class AuthzenController {
  constructor(
    private readonly authzen: AuthzenEvaluator,
    private readonly ids: Ids,
  ) {}

  @Post('access/v1/evaluation')
  @AuthzenRoute()
  @ApiOperation({ summary: 'AuthZEN access evaluation' })
  async evaluation(
    @Body() body: EvaluationRequest,
    @Ip() address: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EvaluationResult> {
    const result = await this.authzen.evaluate(body, address);
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
  evaluations(
    @Body() body: EvaluationsRequest,
    @Ip() address: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ evaluations: EvaluationResult[] } | EvaluationResult> {
    void reply.headers({ 'x-decision-id': this.ids.uuid(), 'cache-control': 'no-store' });
    return this.authzen.evaluateAll(body, address);
  }
}
