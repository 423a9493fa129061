import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { HTTP_METHODS } from '../rules/access-rule.dto';

const PART = /^[A-Za-z0-9_.-]{1,100}$/;

export class ExplainRequest {
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

export class Explanation {
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
