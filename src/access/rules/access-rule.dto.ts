import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { PERMISSION_SYNTAX } from '../../common/auth/permissions';
import { SCOPE_TOKEN } from '../../common/auth/scope-syntax';
import { MAX_CONDITION_LENGTH } from '../conditions/condition';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export class CreateAccessRuleDto {
  @ApiPropertyOptional({
    enum: HTTP_METHODS,
    isArray: true,
    description: 'Empty or absent: any method',
  })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(HTTP_METHODS, { each: true })
  methods?: string[];

  @ApiProperty({
    example: '/invoices/**',
    description:
      '`*` matches one segment, `**` any number, `{name}` one segment named for conditions',
  })
  @IsString()
  @MaxLength(1000)
  path: string;

  @ApiPropertyOptional({ example: 'invoices:read' })
  @IsOptional()
  @Matches(PERMISSION_SYNTAX, { message: 'must be resource:action' })
  permission?: string;

  @ApiPropertyOptional({ type: [String], description: 'Scopes the token must also carry' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @Matches(SCOPE_TOKEN, { each: true, message: 'each must be a scope token' })
  scopes?: string[];

  @ApiPropertyOptional({
    example: 'https://api.example.com',
    description: 'The token must be addressed to it',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  audience?: string;

  @ApiPropertyOptional({ default: false, description: 'Let requests through without a token' })
  @IsOptional()
  @IsBoolean()
  anonymous?: boolean;

  @ApiPropertyOptional({
    example: 'request.params.id == subject.id',
    maxLength: MAX_CONDITION_LENGTH,
    description:
      'A CEL condition, type-checked when saved (400 naming the position of an error); the ' +
      'request is allowed only when it is true (docs/access.md, "Conditions")',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CONDITION_LENGTH)
  condition?: string;
}

/**
 * PATCH: any of the create body's fields; an absent field keeps its value, and `null` clears
 * `permission`, `audience` or `condition` (and empties `methods` or `scopes`). The rule that
 * results is checked as a new one is.
 */
export class UpdateAccessRuleDto extends PartialType(CreateAccessRuleDto) {}

export class AccessRuleView {
  @ApiProperty() id: string;
  @ApiProperty({ type: [String] }) methods: string[];
  @ApiProperty() path: string;
  @ApiProperty({ nullable: true, type: String }) permission: string | null;
  @ApiProperty({ type: [String] }) scopes: string[];
  @ApiProperty({ nullable: true, type: String }) audience: string | null;
  @ApiProperty() anonymous: boolean;
  @ApiProperty({ nullable: true, type: String }) condition: string | null;
  @ApiProperty() created_at: string;
}
