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

export class Explanation {
  @ApiProperty() allowed: boolean;
  @ApiProperty() reason: string;
  @ApiProperty() decision_id: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) rule: object | null;
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
      '{type, id, known, active, tokens_valid_after, roles, permissions, attributes} of the user',
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
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'The rule\'s condition (docs/access.md, "Conditions") when it has one: {source, held ' +
      '(null: not reached), problem (why it is false or failed)}',
  })
  condition: object | null;
}
