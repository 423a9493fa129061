import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { decodeJwt } from 'jose';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ADMIN_SCOPE } from '../../common/auth/permissions';
import { RequireScope } from '../../common/auth/required-scope';
import { Subject } from '../../common/auth/subject-permissions';
import { AccessDecisionService } from '../engine/access-decision.service';
import { AccessState } from '../engine/access-state';
import { Decision } from '../engine/decision';
import { HTTP_METHODS } from '../rules/access-rule.dto';
import { requestPath } from '../rules/request-path';

const PART = /^[A-Za-z0-9_.-]{1,100}$/;

class ExplainRequest {
  @ApiPropertyOptional({ description: 'The access token to judge (never logged)' })
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  token?: string;

  @ApiPropertyOptional({ enum: HTTP_METHODS, description: 'With path: a gateway request' })
  @IsOptional()
  @IsIn(HTTP_METHODS)
  method?: string;

  @ApiPropertyOptional({ example: '/invoices/42' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  path?: string;

  @ApiPropertyOptional({ example: 'invoices', description: 'With action: a permission check' })
  @IsOptional()
  @Matches(PART)
  resource?: string;

  @ApiPropertyOptional({ example: 'read' })
  @IsOptional()
  @Matches(PART)
  action?: string;
}

class Explanation {
  @ApiProperty() allowed: boolean;
  @ApiProperty() reason: string;
  @ApiProperty() decision_id: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) rule: object | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) token: object | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) client:
    object | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) subject:
    object | null;
}

/**
 * For administrators: the decision the engine makes for a token and a request, with what it
 * rested on (the rule, the token's claims, the client's and subject's state, roles and
 * permissions), so a surprising allow or deny can be understood.
 */
@ApiTags('admin: access rules')
@RequireScope(ADMIN_SCOPE)
@Controller('admin/access/explain')
export class ExplainController {
  constructor(
    private readonly engine: AccessDecisionService,
    private readonly state: AccessState,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Explain a decision: {token, method, path} or {token, resource, action}',
  })
  @ApiOkResponse({ type: Explanation })
  async explain(@Body() body: ExplainRequest): Promise<Explanation> {
    const decision: Decision =
      body.resource && body.action
        ? await this.engine.decidePermission({
            token: body.token,
            permission: `${body.resource}:${body.action}`,
          })
        : await this.engine.decideGateway({
            token: body.token,
            method: body.method ?? 'GET',
            path: body.path ?? '/',
          });
    const claims = this.claims(body.token);
    const clientId = typeof claims?.client_id === 'string' ? claims.client_id : undefined;
    const sub = typeof claims?.sub === 'string' ? claims.sub : undefined;
    const subject: Subject | undefined =
      sub && clientId
        ? sub === clientId
          ? { type: 'client', id: clientId }
          : { type: 'user', id: sub }
        : undefined;
    return {
      allowed: decision.allowed,
      reason: decision.reason,
      decision_id: decision.decisionId,
      rule: decision.ruleId ? this.rule(body.method ?? 'GET', body.path ?? '/') : null,
      token: claims
        ? {
            sub,
            client_id: clientId,
            scope: claims.scope,
            aud: claims.aud,
            iat: claims.iat,
            exp: claims.exp,
            jti: claims.jti,
          }
        : null,
      client: clientId ? this.describe({ type: 'client', id: clientId }) : null,
      subject: subject && subject.type === 'user' ? this.describe(subject) : null,
    };
  }

  private claims(token: string | undefined): Record<string, unknown> | undefined {
    if (!token) return undefined;
    try {
      return decodeJwt(token);
    } catch {
      return undefined;
    }
  }

  private rule(method: string, path: string): object | null {
    const { segments } = requestPath(path);
    const rule = segments && this.state.matcher.match(method, segments);
    return rule ? { ...rule } : null;
  }

  private describe(subject: Subject): object {
    const state = this.state.subject(subject);
    if (!state) return { type: subject.type, id: subject.id, known: false };
    return {
      type: subject.type,
      id: subject.id,
      known: true,
      active: state.active,
      tokens_valid_after: state.tokensValidAfter
        ? new Date(state.tokensValidAfter).toISOString()
        : null,
      roles: state.roles,
      permissions: [...this.state.permissionsOf(subject)].sort(),
    };
  }
}
