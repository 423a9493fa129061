import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

// Foreign keys to another module's table name the table (docs/decisions/0213).
/**
 * A WebAuthn credential a person registered (W3C WebAuthn Level 3 §4 "Public Key Credential"):
 * its id, its COSE public key, the signature counter it last reported (§6.1.1) and what the
 * authenticator said about backing it up (§6.1.3, BE/BS flags).
 */
@Entity({ name: 'passkeys' })
export class PasskeyEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid', primaryKeyConstraintName: 'PK_passkeys' })
  id: string;

  @Index('IDX_passkeys_user')
  @ForeignKey('users', { name: 'FK_passkeys_user', onDelete: 'CASCADE' })
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** The credential id, base64url (§5.1 rawId, at most 1023 bytes). */
  @Index('UQ_passkeys_credential_id', { unique: true })
  @Column({ name: 'credential_id', type: 'varchar', length: 1400 })
  credentialId: string;

  /** The credential public key, COSE_Key (RFC 9053) as the authenticator sent it. */
  @Column({ name: 'public_key', type: 'bytea' })
  publicKey: Buffer;

  /** §6.1.1 signCount, as last seen; 0 for authenticators that do not count. */
  @Column({
    name: 'sign_count',
    type: 'bigint',
    transformer: { to: (v: number) => v, from: Number },
  })
  signCount: number;

  /** AuthenticatorTransport hints (§5.8.4) for allowCredentials. */
  @Column({ name: 'transports', type: 'jsonb', default: () => `'[]'` })
  transports: string[];

  /** `singleDevice` (BE flag clear: bound to one authenticator) or `multiDevice` (synced). */
  @Column({ name: 'device_type', type: 'varchar', length: 16 })
  deviceType: 'singleDevice' | 'multiDevice';

  /** The BS flag when last used: the credential is backed up (synced) now. */
  @Column({ name: 'backed_up', type: 'boolean' })
  backedUp: boolean;

  /** The person's name for it ("Laptop", "Phone"). */
  @Column({ name: 'name', type: 'varchar', length: 64 })
  name: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}

/**
 * A ceremony's challenge (§13.4.3), kept on the server: one row per browser and purpose, found
 * by the SHA-256 of a random cookie value, deleted when used.
 */
@Entity({ name: 'passkey_challenges' })
export class PasskeyChallengeEntity {
  @PrimaryColumn({
    name: 'id_hash',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'PK_passkey_challenges',
  })
  idHash: string;

  /** `register`, `sign-in` or `second-factor`: a challenge serves only the ceremony it began. */
  @Column({ name: 'purpose', type: 'varchar', length: 16 })
  purpose: string;

  /** base64url of the random challenge the browser was given. */
  @Column({ name: 'challenge', type: 'varchar', length: 128 })
  challenge: string;

  /** The person the ceremony is for (registration, second factor); null for usernameless. */
  @ForeignKey('users', { name: 'FK_passkey_challenges_user', onDelete: 'CASCADE' })
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Index('IDX_passkey_challenges_expires')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
