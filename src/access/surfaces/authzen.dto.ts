import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
import { IgnoresUnknownMembers } from '../../common/validation';

/**
 * OpenID AuthZEN Authorization API 1.0 request bodies. §5: subject `{type, id}`, action `{name}`
 * and resource `{type, id}` are required strings, `properties` and `context` are objects;
 * §10.1.1: a missing required member is a 400, and unknown members are ignored at every depth
 * (`@IgnoresUnknownMembers` on each top-level body).
 */

/** Resource types and action names become the permission `type:name`: no colon, no spaces. */
const PART = /^[A-Za-z0-9_.-]{1,100}$/;
const PART_PROBLEM = 'must be letters, digits or _ . -';

export class AuthzenSubject {
  @ApiProperty({ enum: ['user', 'client'] })
  @IsIn(['user', 'client'])
  type: 'user' | 'client';

  @ApiProperty({ description: 'A user id, or a client_id' })
  @IsString()
  id: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  properties?: Record<string, unknown>;
}

export class AuthzenAction {
  @ApiProperty({ example: 'read' })
  @Matches(PART, { message: PART_PROBLEM })
  name: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  properties?: Record<string, unknown>;
}

export class AuthzenResource {
  @ApiProperty({ example: 'invoices' })
  @Matches(PART, { message: PART_PROBLEM })
  type: string;

  @ApiProperty({ example: 'inv-42', description: 'Required by AuthZEN 1.0 §5.2' })
  @IsString()
  id: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  properties?: Record<string, unknown>;
}

/**
 * A member that is an object of `type`, validated member by member. ValidateNested alone lets a
 * missing object through: IsObject makes it required unless `optional`.
 */
function NestedObject(type: new () => object, { optional = false } = {}): PropertyDecorator {
  return applyDecorators(
    ...(optional ? [ApiPropertyOptional({ type }), IsOptional()] : [ApiProperty({ type })]),
    IsObject(),
    ValidateNested(),
    Type(() => type),
  );
}

@IgnoresUnknownMembers()
export class EvaluationRequest {
  @NestedObject(AuthzenSubject)
  subject: AuthzenSubject;

  @NestedObject(AuthzenAction)
  action: AuthzenAction;

  @NestedObject(AuthzenResource)
  resource: AuthzenResource;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  context?: Record<string, unknown>;
}

/** One item of `evaluations`, or the top-level defaults: any of the four may be left out. */
export class PartialEvaluation {
  @NestedObject(AuthzenSubject, { optional: true })
  subject?: AuthzenSubject;

  @NestedObject(AuthzenAction, { optional: true })
  action?: AuthzenAction;

  @NestedObject(AuthzenResource, { optional: true })
  resource?: AuthzenResource;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  context?: Record<string, unknown>;
}

export const EVALUATIONS_SEMANTICS = [
  'execute_all',
  'deny_on_first_deny',
  'permit_on_first_permit',
] as const;
export type EvaluationsSemantic = (typeof EVALUATIONS_SEMANTICS)[number];

/** §7.1.2: options the PDP does not know are ignored like any unknown member. */
export class EvaluationOptions {
  @ApiPropertyOptional({ enum: EVALUATIONS_SEMANTICS, default: 'execute_all' })
  @IsOptional()
  @IsIn(EVALUATIONS_SEMANTICS)
  evaluations_semantic?: EvaluationsSemantic;
}

@IgnoresUnknownMembers()
export class EvaluationsRequest extends PartialEvaluation {
  @ApiPropertyOptional({ type: [PartialEvaluation], maxItems: 100 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => PartialEvaluation)
  evaluations?: PartialEvaluation[];

  @ApiPropertyOptional({ type: EvaluationOptions })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => EvaluationOptions)
  options?: EvaluationOptions;
}

/** AuthZEN 1.0 §6.2: the decision, with the reason and the id of its decision-log entry. */
export interface EvaluationResult {
  decision: boolean;
  context: { reason: string; decision_id: string };
}
