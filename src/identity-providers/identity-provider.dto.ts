import { ApiProperty, ApiPropertyOptional, PartialType, PickType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { ALIAS_SYNTAX, DEFAULT_UPSTREAM_SCOPE } from './identity-provider.policy';

/** No control characters (NUL, CR, LF…): names are shown on pages and written to logs. */
const PRINTABLE = /^[^\p{Cc}]*$/u;

export class CreateIdentityProviderDto {
  @ApiProperty({
    example: 'corp',
    description:
      'URL-safe and unique: 1-64 of a-z 0-9 and inner hyphens; the path /login/upstream/<alias>',
  })
  @IsString()
  @Matches(ALIAS_SYNTAX, {
    message: 'must be 1 to 64 lower-case letters, digits or inner hyphens',
  })
  alias: string;

  @ApiProperty({ example: 'Corporate SSO', description: 'Shown as "Sign in with <name>"' })
  @IsString()
  @Length(1, 100)
  @Matches(PRINTABLE, { message: 'must not contain control characters' })
  name: string;

  @ApiProperty({
    example: 'https://sso.example.com',
    description:
      'The upstream OpenID Provider (OpenID Connect Discovery §4): https; http only on a ' +
      'loopback host or while this server runs on http',
  })
  @IsString()
  @Length(1, 2000)
  issuer: string;

  @ApiProperty({ example: 'gatehouse', description: 'Our client_id at the upstream' })
  @IsString()
  @Length(1, 255)
  @Matches(PRINTABLE, { message: 'must not contain control characters' })
  client_id: string;

  @ApiProperty({
    example: 's3cr3t',
    description: 'Our client secret at the upstream; stored encrypted, never returned',
  })
  @IsString()
  @Length(1, 512)
  @Matches(PRINTABLE, { message: 'must not contain control characters' })
  client_secret: string;

  @ApiPropertyOptional({
    example: DEFAULT_UPSTREAM_SCOPE,
    default: DEFAULT_UPSTREAM_SCOPE,
    description: 'Space-separated; must include openid',
  })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  scope?: string;

  @ApiPropertyOptional({ enum: ['active', 'disabled'], default: 'active' })
  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';
}

/** Everything but the alias may change; the alias names the provider in paths. */
export class UpdateIdentityProviderDto extends PartialType(
  PickType(CreateIdentityProviderDto, [
    'name',
    'issuer',
    'client_id',
    'client_secret',
    'scope',
    'status',
  ] as const),
) {}

/** A provider as the admin API shows it: never the client secret. */
export class IdentityProviderView {
  @ApiProperty({ example: 'corp' }) alias: string;
  @ApiProperty({ example: 'Corporate SSO' }) name: string;
  @ApiProperty({ example: 'https://sso.example.com' }) issuer: string;
  @ApiProperty({ example: 'gatehouse' }) client_id: string;
  @ApiProperty({ example: DEFAULT_UPSTREAM_SCOPE }) scope: string;
  @ApiProperty({ enum: ['active', 'disabled'] }) status: string;
  @ApiProperty({
    example: 'https://gatehouse.example.com/login/upstream/corp/callback',
    description: 'The redirect URI to register at the upstream',
  })
  redirect_uri: string;
  @ApiProperty({ description: 'ISO 8601' }) created_at: string;
  @ApiProperty({ description: 'ISO 8601' }) updated_at: string;
}

/** A user's identity at an upstream (admin view of account links). */
export class UpstreamLinkView {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'corp', description: 'The provider entry that made the link' })
  alias: string;
  @ApiProperty({ example: 'https://sso.example.com' }) issuer: string;
  @ApiProperty({ description: 'The `sub` at the upstream' }) subject: string;
  @ApiProperty({ description: 'ISO 8601' }) created_at: string;
}
