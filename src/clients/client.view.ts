import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ATTRIBUTES_SCHEMA } from '../common/attributes';
import { ClientEntity } from './client.entity';

/** A client as the admin API shows it: RFC 7591 names, never a secret or its hash. */
export class ClientView {
  @ApiProperty() client_id: string;
  @ApiProperty() client_name: string;
  @ApiProperty({ enum: ['public', 'confidential', 'm2m'] }) client_type: string;
  @ApiProperty({ type: [String] }) redirect_uris: string[];
  @ApiProperty({ type: [String] }) grant_types: string[];
  @ApiProperty({ type: [String] }) response_types: string[];
  @ApiProperty({ description: 'Space-separated' }) scope: string;
  @ApiProperty({ type: [String] }) audience: string[];
  @ApiProperty() token_endpoint_auth_method: string;
  @ApiProperty({ nullable: true, type: String, description: 'RFC 7591 §2; null: any allowed' })
  token_endpoint_auth_signing_alg: string | null;
  @ApiProperty({ nullable: true, type: String }) jwks_uri: string | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) jwks: object | null;
  @ApiProperty({ type: [String] }) allowed_cors_origins: string[];
  @ApiProperty({ enum: ['RS256', 'ES256', 'EdDSA'] }) id_token_signed_response_alg: string;
  @ApiProperty({ type: [String] }) post_logout_redirect_uris: string[];
  @ApiProperty() always_issue_refresh_token: boolean;
  @ApiProperty() require_pushed_authorization_requests: boolean;
  @ApiProperty() dpop_bound_access_tokens: boolean;
  @ApiProperty({ description: 'Seconds' }) access_token_lifetime: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Seconds' }) refresh_token_lifetime:
    number | null;
  @ApiProperty({ enum: ['active', 'disabled'] }) status: string;
  @ApiProperty({ nullable: true, type: String, description: 'RFC 8705 §2.1.2 (RFC 4514)' })
  tls_client_auth_subject_dn: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'RFC 8705 §2.1.2' })
  tls_client_auth_san_dns: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'RFC 8705 §2.1.2' })
  tls_client_auth_san_uri: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'RFC 8705 §2.1.2' })
  tls_client_auth_san_ip: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'RFC 8705 §2.1.2' })
  tls_client_auth_san_email: string | null;
  @ApiProperty({ description: 'RFC 8705 §3.4: access tokens bound to the client certificate' })
  tls_client_certificate_bound_access_tokens: boolean;
  @ApiProperty(ATTRIBUTES_SCHEMA) attributes: Record<string, unknown>;
  @ApiProperty({ description: 'ISO 8601' }) created_at: string;
  @ApiProperty({ description: 'ISO 8601' }) updated_at: string;
}

export class CreatedClientView extends ClientView {
  @ApiPropertyOptional({ description: 'Shown this once; absent for clients without a secret' })
  client_secret?: string;
  @ApiProperty({ description: '0: the secret does not expire (RFC 7591 §3.2.1)' })
  client_secret_expires_at: number;
}

export class ClientSecretView {
  @ApiProperty() client_id: string;
  @ApiProperty({ description: 'Shown this once' }) client_secret: string;
  @ApiProperty() client_secret_expires_at: number;
}

export function toClientView(client: ClientEntity, defaultAccessTokenLifetime: number): ClientView {
  return {
    client_id: client.clientId,
    client_name: client.clientName,
    client_type: client.clientType,
    redirect_uris: client.redirectUris,
    grant_types: client.grantTypes,
    response_types: client.responseTypes,
    scope: client.scopes.join(' '),
    audience: client.audience,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    token_endpoint_auth_signing_alg: client.tokenEndpointAuthSigningAlg,
    jwks_uri: client.jwksUri,
    jwks: client.jwks,
    allowed_cors_origins: client.allowedCorsOrigins,
    id_token_signed_response_alg: client.idTokenSignedResponseAlg,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    always_issue_refresh_token: client.alwaysIssueRefreshToken,
    require_pushed_authorization_requests: client.requirePushedAuthorizationRequests,
    dpop_bound_access_tokens: client.dpopBoundAccessTokens,
    access_token_lifetime: client.accessTokenLifetime ?? defaultAccessTokenLifetime,
    refresh_token_lifetime: client.refreshTokenLifetime,
    status: client.status,
    tls_client_auth_subject_dn: client.tlsClientAuthSubjectDn,
    tls_client_auth_san_dns: client.tlsClientAuthSanDns,
    tls_client_auth_san_uri: client.tlsClientAuthSanUri,
    tls_client_auth_san_ip: client.tlsClientAuthSanIp,
    tls_client_auth_san_email: client.tlsClientAuthSanEmail,
    tls_client_certificate_bound_access_tokens: client.tlsClientCertificateBoundAccessTokens,
    attributes: client.attributes,
    created_at: client.createdAt.toISOString(),
    updated_at: client.updatedAt.toISOString(),
  };
}
