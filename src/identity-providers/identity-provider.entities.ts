import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export type IdentityProviderStatus = 'active' | 'disabled';

/**
 * An upstream OpenID Connect provider people may sign in with (docs/identity-providers.md). The
 * client secret must be read back to authenticate at the upstream's token endpoint, so it is
 * kept encrypted under the key-encryption key, never hashed and never shown.
 */
@Entity({ name: 'identity_providers' })
@Check('CHK_identity_providers_status', `"status" IN ('active', 'disabled')`)
export class IdentityProviderEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_identity_providers' })
  id: string;

  /** URL-safe, unique: the `<alias>` of /login/upstream/<alias>. */
  @Index('IDX_identity_providers_alias', { unique: true })
  @Column({ name: 'alias', type: 'varchar', length: 64 })
  alias: string;

  /** What the login page shows: "Sign in with <name>". */
  @Column({ name: 'name', type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'issuer', type: 'varchar', length: 2000 })
  issuer: string;

  @Column({ name: 'client_id', type: 'varchar', length: 255 })
  clientId: string;

  /** AES-256-GCM under KEY_ENCRYPTION_KEY (crypto/key-encryption.service.ts). */
  @Column({ name: 'client_secret_sealed', type: 'text' })
  clientSecretSealed: string;

  @Column({ name: 'scope', type: 'varchar', length: 1000 })
  scope: string;

  @Column({ name: 'status', type: 'varchar', length: 20, default: 'active' })
  status: IdentityProviderStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/**
 * A local user's identity at an upstream: OIDC Core §2 says `sub` is unique only within its
 * issuer, so the pair (issuer, subject) names the person, whichever provider entry was used.
 */
@Entity({ name: 'upstream_links' })
@Index('IDX_upstream_links_issuer_subject', ['issuer', 'subject'], { unique: true })
export class UpstreamLinkEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_upstream_links' })
  id: string;

  @Index('IDX_upstream_links_provider')
  @ForeignKey(() => IdentityProviderEntity, {
    name: 'FK_upstream_links_provider',
    onDelete: 'CASCADE',
  })
  @Column({ name: 'provider_id', type: 'uuid' })
  providerId: string;

  @Column({ name: 'issuer', type: 'varchar', length: 2000 })
  issuer: string;

  @Column({ name: 'subject', type: 'varchar', length: 255 })
  subject: string;

  @Index('IDX_upstream_links_user')
  @ForeignKey('users', { name: 'FK_upstream_links_user', onDelete: 'CASCADE' })
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
