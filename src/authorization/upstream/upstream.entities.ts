import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/**
 * A sign-in sent to an upstream and not yet back: the `state`, `nonce` and PKCE verifier of
 * RFC 6749 §10.12, OIDC Core §15.5.2 and RFC 7636, held server-side. Found by the SHA-256 of the
 * random value in the browser's cookie (so it is bound to that browser), removed when the
 * callback reads it (single use), and short-lived.
 */
@Entity({ name: 'upstream_authorizations' })
export class UpstreamAuthorizationEntity {
  @PrimaryColumn({
    name: 'id_hash',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'PK_upstream_authorizations',
  })
  idHash: string;

  @ForeignKey('identity_providers', {
    name: 'FK_upstream_authorizations_provider',
    onDelete: 'CASCADE',
  })
  @Column({ name: 'provider_id', type: 'uuid' })
  providerId: string;

  @Column({ name: 'state', type: 'varchar', length: 64 })
  state: string;

  @Column({ name: 'nonce', type: 'varchar', length: 64 })
  nonce: string;

  /** The PKCE code_verifier, encrypted under the key-encryption key. */
  @Column({ name: 'code_verifier_sealed', type: 'text' })
  codeVerifierSealed: string;

  /** The pending /authorize request to continue, if the sign-in started from one. */
  @Column({ name: 'interaction', type: 'varchar', length: 64, nullable: true })
  interaction: string | null;

  @Index('IDX_upstream_authorizations_expires')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/**
 * An offer to link an upstream identity to the local account that has its verified email,
 * waiting for that account's password (docs/identity-providers.md). Bound to the browser like
 * an upstream authorization, single use and short-lived.
 */
@Entity({ name: 'upstream_link_offers' })
export class UpstreamLinkOfferEntity {
  @PrimaryColumn({
    name: 'id_hash',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'PK_upstream_link_offers',
  })
  idHash: string;

  @ForeignKey('identity_providers', {
    name: 'FK_upstream_link_offers_provider',
    onDelete: 'CASCADE',
  })
  @Column({ name: 'provider_id', type: 'uuid' })
  providerId: string;

  @Column({ name: 'issuer', type: 'varchar', length: 2000 })
  issuer: string;

  @Column({ name: 'subject', type: 'varchar', length: 255 })
  subject: string;

  @ForeignKey('users', { name: 'FK_upstream_link_offers_user', onDelete: 'CASCADE' })
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** The authentication methods the upstream reported (RFC 8176), for the session. */
  @Column({ name: 'amr', type: 'text', array: true })
  amr: string[];

  @Column({ name: 'interaction', type: 'varchar', length: 64, nullable: true })
  interaction: string | null;

  @Index('IDX_upstream_link_offers_expires')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
