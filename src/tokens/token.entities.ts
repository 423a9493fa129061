import {
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';

/** An access token revoked before its `exp`, by `jti`; kept until it would have expired. */
@Entity({ name: 'revoked_access_tokens' })
export class RevokedAccessTokenEntity {
  @PrimaryColumn({ name: 'jti', type: 'varchar', length: 64 })
  jti: string;

  @Index('IDX_revoked_access_tokens_expires')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}

// A foreign key to another module's table names the table, as its migration does, rather than
// importing that module's entity; `migration:generate` still sees it, so finds no drift.
/**
 * A refresh token, stored by SHA-256. Every rotation adds a row to the same family; presenting
 * a rotated one again revokes the family (OAuth 2.0 Security BCP §4.14.2).
 */
@Entity({ name: 'refresh_tokens' })
export class RefreshTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('IDX_refresh_tokens_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Index('IDX_refresh_tokens_family')
  @Column({ name: 'family_id', type: 'uuid' })
  familyId: string;

  @Index('IDX_refresh_tokens_client')
  @ForeignKey('clients', 'client_id', {
    name: 'FK_refresh_tokens_client',
    onDelete: 'CASCADE',
  })
  @Column({ name: 'client_id', type: 'varchar', length: 128 })
  clientId: string;

  @Index('IDX_refresh_tokens_user')
  @ForeignKey('users', { name: 'FK_refresh_tokens_user', onDelete: 'CASCADE' })
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'scopes', type: 'text', array: true })
  scopes: string[];

  @Column({ name: 'auth_time', type: 'timestamptz' })
  authTime: Date;

  /** RFC 8176 `amr`: how the person authenticated (docs/second-factors.md). */
  @Column({ name: 'amr', type: 'text', array: true, default: () => "'{pwd}'" })
  amr: string[];

  /** The authorization code the family started from. */
  @Index('IDX_refresh_tokens_code')
  @Column({ name: 'code_hash', type: 'varchar', length: 64, nullable: true })
  codeHash: string | null;

  /** RFC 9449 §5: the DPoP key (thumbprint) a public client's family is bound to, or null. */
  @Column({ name: 'dpop_jkt', type: 'varchar', length: 64, nullable: true })
  dpopJkt: string | null;

  /** RFC 8705 §4: the certificate (`x5t#S256`) a public client's family is bound to, or null. */
  @Column({ name: 'x5t_s256', type: 'varchar', length: 64, nullable: true })
  x5tS256: string | null;

  @Column({ name: 'access_token_jti', type: 'varchar', length: 64 })
  accessTokenJti: string;

  @Column({ name: 'access_token_expires_at', type: 'timestamptz' })
  accessTokenExpiresAt: Date;

  /** The family's absolute end. */
  @Index('IDX_refresh_tokens_expires')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'idle_expires_at', type: 'timestamptz' })
  idleExpiresAt: Date;

  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
