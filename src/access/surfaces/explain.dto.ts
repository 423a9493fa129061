import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { AccessRuleView, HTTP_METHODS } from '../rules/access-rule.dto';

const PART = /^[A-Za-z0-9_.-]{1,100}$/;

/** A subject named as AuthZEN names one (docs/access.md, "Subjects by name"). */
export class ExplainSubject {
  @ApiProperty({ enum: ['user', 'client'] })
  @IsIn(['user', 'client'])
  type: 'user' | 'client';

  @ApiProperty({
    example: 'alice',
    description: "A user's id, username or email; a client's client_id",
  })
  @IsString()
  @MinLength(1)
  @MaxLength(254)
  id: string;
}

export class ExplainRequest {
  @ApiPropertyOptional({ description: 'The access token to judge (never logged)' })
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  token?: string;

  @ApiPropertyOptional({
    type: ExplainSubject,
    description:
      'Instead of a token: what holds for this subject now, with no token ' +
      '(docs/access.md, "Explain a decision"; docs/decisions/0307-explain-by-subject.md)',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ExplainSubject)
  subject?: ExplainSubject;

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

  @ApiPropertyOptional({
    enum: ['Bearer', 'DPoP'],
    description: 'How the token is presented (Authorization scheme); default Bearer',
  })
  @IsOptional()
  @IsIn(['Bearer', 'DPoP'])
  scheme?: 'Bearer' | 'DPoP';

  @ApiPropertyOptional({
    description: 'A DPoP proof to check (RFC 9449 §4.3); its jti is not spent (never logged)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  dpop?: string;

  @ApiPropertyOptional({
    example: 'https://api.example.com/invoices/42',
    description:
      'The URL the DPoP proof must name (htu); default the issuer with the path, or with ' +
      '/access/check for a permission',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({
    description: 'The client certificate, URL-encoded PEM as in X-SSL-Client-Cert (RFC 8705 §3)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(16384)
  client_certificate?: string;
}

/** A condition as judged: `held` null when the decision stopped before it. */
export class ConditionView {
  @ApiProperty() source: string;
  @ApiProperty({ nullable: true, type: Boolean }) held: boolean | null;
  @ApiProperty({ nullable: true, type: String, example: 'false' }) problem: string | null;
}

export class RoleGrantView {
  @ApiProperty({ example: 'invoice-clerk' }) role: string;
  @ApiProperty({ description: 'Whether this role grants the permission now' }) grants: boolean;
  @ApiProperty({
    type: ConditionView,
    nullable: true,
    description: "The role's condition on the permission, judged on its own; null: none",
  })
  condition: ConditionView | null;
}

export class PermissionView {
  @ApiProperty({ example: 'invoices:read' }) name: string;
  @ApiProperty({
    nullable: true,
    type: Boolean,
    description: "In the token's scope; null without a token",
  })
  in_scope: boolean | null;
  @ApiProperty({
    nullable: true,
    type: Boolean,
    description: 'Held by the subject now (some role grants it); null: no subject is known',
  })
  held: boolean | null;
  @ApiProperty({
    type: [RoleGrantView],
    description: 'Every role of the subject that grants the permission',
  })
  roles: RoleGrantView[];
}

/** A rule as the admin API shows it (AccessRuleView), without `created_at`: not kept in memory. */
export class RuleView extends OmitType(AccessRuleView, ['created_at'] as const) {}

export class ConsideredRuleView extends RuleView {
  @ApiProperty({ description: 'The most specific rule: the one that decides' }) decided: boolean;
}

export class Explanation {
  @ApiProperty({
    description:
      'With a subject instead of a token: for a permission, the AuthZEN decision; for a ' +
      "gateway request, the gateway's answer to it without a token (token_missing unless the " +
      'path is refused, no rule matches or the rule is anonymous)',
  })
  allowed: boolean;
  @ApiProperty() reason: string;
  @ApiProperty() decision_id: string;
  @ApiProperty({ type: RuleView, nullable: true, description: 'The rule that decides' })
  rule: RuleView | null;
  @ApiProperty({
    type: [ConsideredRuleView],
    description:
      'Every rule matching the method and path, most specific first; empty for a permission',
  })
  rules: ConsideredRuleView[];
  @ApiProperty({
    type: PermissionView,
    nullable: true,
    description: "The permission asked for, or the deciding rule's; null when none is involved",
  })
  permission: PermissionView | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) token: object | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      '{type, id, known, active, tokens_valid_after, roles, permissions, attributes} of the client',
  })
  client: object | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      '{type, id, known, active, tokens_valid_after, roles, permissions, attributes} of the ' +
      "token's user, or of the subject named instead of a token",
  })
  subject: object | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'The proof-of-possession check (RFC 9449 §7, RFC 8705 §3) when the token has cnf or ' +
      'comes with the DPoP scheme: {cnf, scheme, held (null: not reached), problem}',
  })
  binding: object | null;

  @ApiProperty({
    type: ConditionView,
    nullable: true,
    description:
      'The deciding rule\'s condition (docs/access.md, "Conditions") when it has one: {source, ' +
      'held (null: not reached), problem (why it is false or failed)}',
  })
  condition: ConditionView | null;
}
