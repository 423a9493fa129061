import {
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { AuthorizationRequest } from './authorization-request';

/** A validated /authorize request waiting for login or consent; shared by every process. */
@Entity({ name: 'interactions' })
export class InteractionEntity {
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 64 })
  id: string;

  @Column({ name: 'request', type: 'jsonb' })
  request: AuthorizationRequest;

  @Index('IDX_interactions_expires')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

// A foreign key to another module's table names the table, as its migration does, rather than
// importing that module's entity; `migration:generate` still sees it, so finds no drift.
/** A signed-in browser. The cookie holds a random value; only its SHA-256 is stored. */
@Entity({ name: 'browser_sessions' })
export class BrowserSessionEntity {
  @PrimaryColumn({ name: 'id_hash', type: 'varchar', length: 64 })
  idHash: string;

  @Index('IDX_browser_sessions_user')
  @ForeignKey('users', { name: 'FK_browser_sessions_user', onDelete: 'CASCADE' })
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** When the user last entered a password (OIDC `auth_time`). */
  @Column({ name: 'auth_time', type: 'timestamptz' })
  authTime: Date;

  /** RFC 8176 `amr`: how the person authenticated (docs/second-factors.md). */
  @Column({ name: 'amr', type: 'text', array: true, default: () => "'{pwd}'" })
  amr: string[];

  @Index('IDX_browser_sessions_expires')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** The address the sign-in came from (as TRUST_PROXY decides), for the account's sessions page. */
  @Column({ name: 'ip', type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  /** The browser's User-Agent at sign-in, cut to 512 characters. */
  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;
}

/** Consent a user gave a client for a set of scopes, remembered for later requests. */
@Entity({ name: 'consents' })
@Index('IDX_consents_user_client', ['userId', 'clientId'], { unique: true })
export class ConsentEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @ForeignKey('users', { name: 'FK_consents_user', onDelete: 'CASCADE' })
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ForeignKey('clients', 'client_id', { name: 'FK_consents_client', onDelete: 'CASCADE' })
  @Column({ name: 'client_id', type: 'varchar', length: 128 })
  clientId: string;

  @Column({ name: 'scopes', type: 'text', array: true })
  scopes: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** RFC 6749 §4.1.2 authorization code, stored by SHA-256; single use. */
@Entity({ name: 'authorization_codes' })
export class AuthorizationCodeEntity {
  @PrimaryColumn({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash: string;

  @ForeignKey('clients', 'client_id', {
    name: 'FK_authorization_codes_client',
    onDelete: 'CASCADE',
  })
  @Column({ name: 'client_id', type: 'varchar', length: 128 })
  clientId: string;

  @ForeignKey('users', { name: 'FK_authorization_codes_user', onDelete: 'CASCADE' })
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'redirect_uri', type: 'varchar', length: 2000 })
  redirectUri: string;

  @Column({ name: 'redirect_uri_given', type: 'boolean' })
  redirectUriGiven: boolean;

  @Column({ name: 'scopes', type: 'text', array: true })
  scopes: string[];

  @Column({ name: 'nonce', type: 'varchar', length: 2048, nullable: true })
  nonce: string | null;

  @Column({ name: 'code_challenge', type: 'varchar', length: 128, nullable: true })
  codeChallenge: string | null;

  /** RFC 9449 §10: the DPoP key (thumbprint) the code must be redeemed with, if any. */
  @Column({ name: 'dpop_jkt', type: 'varchar', length: 64, nullable: true })
  dpopJkt: string | null;

  @Column({ name: 'auth_time', type: 'timestamptz' })
  authTime: Date;

  /** RFC 8176 `amr`: how the person authenticated (docs/second-factors.md). */
  @Column({ name: 'amr', type: 'text', array: true, default: () => "'{pwd}'" })
  amr: string[];

  @Index('IDX_authorization_codes_expires')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** Set when redeemed; a second redemption finds it set. */
  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;

  /** The access token issued from this code, revoked if the code is replayed. */
  @Column({ name: 'access_token_jti', type: 'varchar', length: 64, nullable: true })
  accessTokenJti: string | null;

  @Column({ name: 'access_token_expires_at', type: 'timestamptz', nullable: true })
  accessTokenExpiresAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/**
 * RFC 9126 pushed authorization request: the validated parameters, found by the SHA-256 of the
 * random part of its `request_uri`; single use (`used_at`), short-lived.
 */
@Entity({ name: 'pushed_authorization_requests' })
export class PushedAuthorizationRequestEntity {
  @PrimaryColumn({
    name: 'reference_hash',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'PK_pushed_authorization_requests',
  })
  referenceHash: string;

  @ForeignKey('clients', 'client_id', {
    name: 'FK_pushed_authorization_requests_client',
    onDelete: 'CASCADE',
  })
  @Column({ name: 'client_id', type: 'varchar', length: 128 })
  clientId: string;

  @Column({ name: 'params', type: 'jsonb' })
  params: Record<string, string>;

  @Index('IDX_pushed_authorization_requests_expires')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
