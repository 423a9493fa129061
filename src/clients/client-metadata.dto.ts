import { ApiProperty, ApiPropertyOptional, PartialType, PickType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsBoolean,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { ATTRIBUTES_SCHEMA } from '../common/attributes';
import { SCOPE_LIST } from '../common/auth/scope-syntax';
import {
  ASSERTION_SIGNING_ALGORITHMS,
  AUTH_METHODS,
  CLIENT_STATUSES,
  CLIENT_TYPES,
  ClientStatus,
  ClientType,
  GRANT_TYPES,
  GrantType,
  RESPONSE_TYPES,
  TokenEndpointAuthMethod,
} from './client.types';
import { ID_TOKEN_ALGORITHMS, IdTokenAlgorithm } from '../crypto/signing-algorithms';

/** A client's scope: RFC 6749 §3.3 scope, or empty for none. */
const SCOPE_OR_NONE = new RegExp(`^$|${SCOPE_LIST.source}`);

/**
 * Client metadata, named as in RFC 7591 §2 (snake_case), as the admin API creates a client:
 * `client_name` required, the rest optional. Cross-field rules live in
 * `client-metadata.policy.ts`.
 */
export class CreateClientDto {
  @ApiProperty({ example: 'Invoice service', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  client_name: string;

  @ApiPropertyOptional({
    enum: CLIENT_TYPES,
    description: 'Derived from the other fields when absent',
  })
  @IsOptional()
  @IsIn(CLIENT_TYPES)
  client_type?: ClientType;

  @ApiPropertyOptional({ type: [String], example: ['https://app.example.com/callback'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  redirect_uris?: string[];

  @ApiPropertyOptional({ enum: GRANT_TYPES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(GRANT_TYPES, { each: true })
  grant_types?: GrantType[];

  @ApiPropertyOptional({ enum: RESPONSE_TYPES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(RESPONSE_TYPES, { each: true })
  response_types?: string[];

  @ApiPropertyOptional({
    example: 'invoices:read invoices:write',
    description: 'Space-separated scopes the client may request',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @Matches(SCOPE_OR_NONE, {
    message: 'must be space-separated scope tokens (RFC 6749 §3.3)',
  })
  scope?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['https://api.example.com'],
    description: 'Default audiences and the RFC 8707 resources the client may ask for',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  audience?: string[];

  @ApiPropertyOptional({ enum: AUTH_METHODS })
  @IsOptional()
  @IsIn(AUTH_METHODS)
  token_endpoint_auth_method?: TokenEndpointAuthMethod;

  @ApiPropertyOptional({
    enum: ASSERTION_SIGNING_ALGORITHMS,
    nullable: true,
    description:
      'RFC 7591 §2: the one JWS algorithm of the client assertions: HS256, HS384 or HS512 for ' +
      'client_secret_jwt, an asymmetric one for private_key_jwt; absent: any of them',
  })
  @IsOptional()
  @IsIn(ASSERTION_SIGNING_ALGORITHMS)
  token_endpoint_auth_signing_alg?: string | null;

  @ApiPropertyOptional({ example: 'https://app.example.com/jwks.json' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  jwks_uri?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'RFC 7517 JWK Set of public keys',
  })
  @IsOptional()
  @IsObject()
  jwks?: { keys: Record<string, unknown>[] };

  @ApiPropertyOptional({ type: [String], example: ['https://app.example.com'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  allowed_cors_origins?: string[];

  @ApiPropertyOptional({
    enum: ID_TOKEN_ALGORITHMS,
    default: 'RS256',
    description: 'JWS algorithm of ID tokens (OIDC Dynamic Client Registration §2)',
  })
  @IsOptional()
  @IsIn(ID_TOKEN_ALGORITHMS)
  id_token_signed_response_alg?: IdTokenAlgorithm;

  @ApiPropertyOptional({
    type: [String],
    example: ['https://app.example.com/signed-out'],
    description: 'Where RP-initiated logout may send the browser (OIDC RP-Initiated Logout §3.1)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  post_logout_redirect_uris?: string[];

  @ApiPropertyOptional({
    description: 'Issue a refresh token on every code exchange, even without offline_access',
  })
  @IsOptional()
  @IsBoolean()
  always_issue_refresh_token?: boolean;

  @ApiPropertyOptional({
    description:
      'RFC 9126 §6: authorization requests must be pushed to /par; a direct /authorize is refused',
  })
  @IsOptional()
  @IsBoolean()
  require_pushed_authorization_requests?: boolean;

  @ApiPropertyOptional({
    description:
      'RFC 9449 §5.2: every token request must carry a DPoP proof (tokens are always DPoP-bound)',
  })
  @IsOptional()
  @IsBoolean()
  dpop_bound_access_tokens?: boolean;

  @ApiPropertyOptional({
    minimum: 60,
    maximum: 86400,
    description: 'Seconds; default ACCESS_TOKEN_LIFETIME',
  })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(86400)
  access_token_lifetime?: number;

  @ApiPropertyOptional({ minimum: 60, maximum: 31536000, description: 'Seconds' })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(31536000)
  refresh_token_lifetime?: number;

  @ApiPropertyOptional({ enum: CLIENT_STATUSES })
  @IsOptional()
  @IsIn(CLIENT_STATUSES)
  status?: ClientStatus;

  @ApiPropertyOptional({
    nullable: true,
    example: 'CN=client-a,O=Example',
    description:
      'RFC 8705 §2.1.2, tls_client_auth: the certificate subject, an RFC 4514 string compared ' +
      'as a distinguished name (docs/mtls.md); exactly one of the five tls_client_auth_* names',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  tls_client_auth_subject_dn?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    example: 'client.example.com',
    description: 'RFC 8705 §2.1.2, tls_client_auth: a dNSName SAN of the certificate',
  })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  tls_client_auth_san_dns?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    example: 'spiffe://example.com/client-a',
    description: 'RFC 8705 §2.1.2, tls_client_auth: a uniformResourceIdentifier SAN',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  tls_client_auth_san_uri?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    example: '192.0.2.10',
    description: 'RFC 8705 §2.1.2, tls_client_auth: an iPAddress SAN (IPv4 or IPv6)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(45)
  tls_client_auth_san_ip?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    example: 'client-a@example.com',
    description: 'RFC 8705 §2.1.2, tls_client_auth: an rfc822Name SAN',
  })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  tls_client_auth_san_email?: string | null;

  @ApiPropertyOptional({
    description:
      'RFC 8705 §3.4: access tokens are bound to the client certificate presented at /token ' +
      '(cnf.x5t#S256); a token request without a certificate is refused',
  })
  @IsOptional()
  @IsBoolean()
  tls_client_certificate_bound_access_tokens?: boolean;

  @ApiPropertyOptional(ATTRIBUTES_SCHEMA)
  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown>;
}

/**
 * The same fields, every one optional: updates and RFC 7591 registration. (An `@IsOptional` on
 * a base class would also switch off the validators of a subclass that makes a field required.)
 */
export class ClientMetadataDto extends PartialType(CreateClientDto) {}

export class UpdateClientDto extends PartialType(ClientMetadataDto) {}

/** The subset a client may set about itself through RFC 7591 registration. */
export class RegistrationMetadataDto extends PickType(ClientMetadataDto, [
  'client_name',
  'redirect_uris',
  'grant_types',
  'response_types',
  'scope',
  'token_endpoint_auth_method',
  'token_endpoint_auth_signing_alg',
  'jwks_uri',
  'jwks',
  'id_token_signed_response_alg',
  'post_logout_redirect_uris',
  'require_pushed_authorization_requests',
  'dpop_bound_access_tokens',
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
  'tls_client_certificate_bound_access_tokens',
] as const) {}

export class RotateSecretDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 604800,
    default: 0,
    description: 'Seconds the old secret keeps working beside the new one (0: it stops at once)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 86400)
  grace_period?: number;
}
