import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { IdTokenAlgorithm } from '../crypto/signing-algorithms';
import { RegisteredClient } from './client';
import { ClientStatus, ClientType, GrantType, TokenEndpointAuthMethod } from './client.types';

// Constraint and index names match the migrations, so `migration:generate` finds no drift.
@Entity({ name: 'clients' })
@Check('CHK_clients_type', `"client_type" IN ('public', 'confidential', 'm2m')`)
@Check('CHK_clients_status', `"status" IN ('active', 'disabled')`)
export class ClientEntity implements RegisteredClient {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('IDX_clients_client_id', { unique: true })
  @Column({ name: 'client_id', type: 'varchar', length: 128 })
  clientId: string;

  /** bcrypt hash of the client secret; null for public and key-authenticated clients. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 100, nullable: true })
  secretHash: string | null;

  /** RFC 7591 §2 secret rotation grace: the previous secret's hash, valid until the time below. */
  @Column({ name: 'previous_secret_hash', type: 'varchar', length: 100, nullable: true })
  previousSecretHash: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  /**
   * client_secret_jwt only (RFC 7523 §2.2): the secret itself, AES-256-GCM under the
   * key-encryption key, since an HMAC needs it (docs/decisions/0300). Null for every other method.
   */
  @Column({ name: 'secret_encrypted', type: 'text', nullable: true })
  secretEncrypted: string | null;

  /** client_secret_jwt only: the previous secret, encrypted, during its rotation grace. */
  @Column({ name: 'previous_secret_encrypted', type: 'text', nullable: true })
  previousSecretEncrypted: string | null;

  /** RFC 7591 §2: the one JWS algorithm this client's assertions may use; null for any allowed. */
  @Column({ name: 'token_endpoint_auth_signing_alg', type: 'varchar', length: 10, nullable: true })
  tokenEndpointAuthSigningAlg: string | null;

  @Column({ name: 'client_name', type: 'varchar', length: 200 })
  clientName: string;

  @Column({ name: 'client_type', type: 'varchar', length: 20 })
  clientType: ClientType;

  @Column({ name: 'redirect_uris', type: 'text', array: true, default: () => "'{}'" })
  redirectUris: string[];

  @Column({ name: 'grant_types', type: 'text', array: true, default: () => "'{}'" })
  grantTypes: GrantType[];

  @Column({ name: 'response_types', type: 'text', array: true, default: () => "'{}'" })
  responseTypes: string[];

  @Column({ name: 'scopes', type: 'text', array: true, default: () => "'{}'" })
  scopes: string[];

  @Column({ name: 'audience', type: 'text', array: true, default: () => "'{}'" })
  audience: string[];

  @Column({ name: 'token_endpoint_auth_method', type: 'varchar', length: 40 })
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;

  @Column({ name: 'jwks_uri', type: 'varchar', length: 2048, nullable: true })
  jwksUri: string | null;

  @Column({ name: 'jwks', type: 'jsonb', nullable: true })
  jwks: { keys: Record<string, unknown>[] } | null;

  /** RFC 8705 §2.1.2: the subject DN (RFC 4514) of a tls_client_auth client's certificate. */
  @Column({ name: 'tls_client_auth_subject_dn', type: 'varchar', length: 1024, nullable: true })
  tlsClientAuthSubjectDn: string | null;

  /** RFC 8705 §2.1.2: a dNSName SAN the certificate must carry. */
  @Column({ name: 'tls_client_auth_san_dns', type: 'varchar', length: 253, nullable: true })
  tlsClientAuthSanDns: string | null;

  /** RFC 8705 §2.1.2: a uniformResourceIdentifier SAN the certificate must carry. */
  @Column({ name: 'tls_client_auth_san_uri', type: 'varchar', length: 2000, nullable: true })
  tlsClientAuthSanUri: string | null;

  /** RFC 8705 §2.1.2: an iPAddress SAN the certificate must carry. */
  @Column({ name: 'tls_client_auth_san_ip', type: 'varchar', length: 45, nullable: true })
  tlsClientAuthSanIp: string | null;

  /** RFC 8705 §2.1.2: an rfc822Name SAN the certificate must carry. */
  @Column({ name: 'tls_client_auth_san_email', type: 'varchar', length: 320, nullable: true })
  tlsClientAuthSanEmail: string | null;

  /** RFC 8705 §3.4: access tokens are bound to the certificate presented at /token. */
  @Column({
    name: 'tls_client_certificate_bound_access_tokens',
    type: 'boolean',
    default: false,
  })
  tlsClientCertificateBoundAccessTokens: boolean;

  /** OIDC Dynamic Client Registration §2: the JWS algorithm of this client's ID tokens. */
  @Column({
    name: 'id_token_signed_response_alg',
    type: 'varchar',
    length: 10,
    default: 'RS256',
  })
  idTokenSignedResponseAlg: IdTokenAlgorithm;

  /** OIDC RP-Initiated Logout §3.1: where the browser may go after signing out. */
  @Column({ name: 'post_logout_redirect_uris', type: 'text', array: true, default: () => "'{}'" })
  postLogoutRedirectUris: string[];

  /** Issue a refresh token with every code exchange, even without offline_access. */
  @Column({ name: 'always_issue_refresh_token', type: 'boolean', default: false })
  alwaysIssueRefreshToken: boolean;

  /** RFC 9126 §6: this client's authorization requests must be pushed to /par first. */
  @Column({ name: 'require_pushed_authorization_requests', type: 'boolean', default: false })
  requirePushedAuthorizationRequests: boolean;

  /** RFC 9449 §5.2: the token endpoint refuses this client's requests without a DPoP proof. */
  @Column({ name: 'dpop_bound_access_tokens', type: 'boolean', default: false })
  dpopBoundAccessTokens: boolean;

  @Column({ name: 'allowed_cors_origins', type: 'text', array: true, default: () => "'{}'" })
  allowedCorsOrigins: string[];

  @Column({ name: 'access_token_lifetime', type: 'integer', nullable: true })
  accessTokenLifetime: number | null;

  @Column({ name: 'refresh_token_lifetime', type: 'integer', nullable: true })
  refreshTokenLifetime: number | null;

  @Column({ name: 'status', type: 'varchar', length: 20, default: 'active' })
  status: ClientStatus;

  /** Tokens issued before this instant are dead even if the client is active again (set on disable). */
  @Column({ name: 'tokens_valid_after', type: 'timestamptz', nullable: true })
  tokensValidAfter: Date | null;

  /** Admin-set (docs/access.md, Attributes); never through RFC 7591 registration. */
  @Column({ name: 'attributes', type: 'jsonb', default: () => "'{}'" })
  attributes: Record<string, unknown>;

  /** How the client came to be: `admin` (REST) or `dynamic` (RFC 7591). */
  @Column({ name: 'registered_by', type: 'varchar', length: 20, default: 'admin' })
  registeredBy: 'admin' | 'dynamic';

  /** SHA-256 of the RFC 7592 registration access token, for dynamically registered clients. */
  @Column({ name: 'registration_token_hash', type: 'varchar', length: 64, nullable: true })
  registrationTokenHash: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
