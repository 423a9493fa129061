import {
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';

// A foreign key to another module's table names the table, as its migration does, rather than
// importing that module's entity; `migration:generate` still sees it, so finds no drift.

/**
 * A person's TOTP authenticator (RFC 6238). The seed is sealed with the key-encryption key
 * (it must be read back to compute codes); `confirmed_at` is null until the person proved the
 * authenticator with a first code. `last_time_step` is the newest RFC 6238 §4 time step a code
 * was accepted for: a code of that step or an older one is refused (§5.2, one use).
 */
@Entity({ name: 'totp_authenticators' })
export class TotpAuthenticatorEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_totp_authenticators' })
  id: string;

  @Index('IDX_totp_authenticators_user', { unique: true })
  @ForeignKey('users', { name: 'FK_totp_authenticators_user', onDelete: 'CASCADE' })
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'sealed_secret', type: 'text' })
  sealedSecret: string;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt: Date | null;

  @Column({ name: 'last_time_step', type: 'bigint', nullable: true })
  lastTimeStep: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** A single-use recovery code, stored as an HMAC under a key derived from the KEK. */
@Entity({ name: 'recovery_codes' })
@Index('IDX_recovery_codes_user_hash', ['userId', 'codeHash'], { unique: true })
export class RecoveryCodeEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_recovery_codes' })
  id: string;

  @ForeignKey('users', { name: 'FK_recovery_codes_user', onDelete: 'CASCADE' })
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash: string;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/**
 * A sign-in that passed its first factor and waits for the second. The browser holds a random
 * value in a cookie; the table keeps only its SHA-256. Short-lived, used once.
 */
@Entity({ name: 'pending_sign_ins' })
export class PendingSignInEntity {
  @PrimaryColumn({
    name: 'id_hash',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'PK_pending_sign_ins',
  })
  idHash: string;

  @ForeignKey('users', { name: 'FK_pending_sign_ins_user', onDelete: 'CASCADE' })
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** RFC 8176 methods passed so far (the first factor). */
  @Column({ name: 'amr', type: 'text', array: true })
  amr: string[];

  /** When the first factor was passed: the session's `auth_time`. */
  @Column({ name: 'auth_time', type: 'timestamptz' })
  authTime: Date;

  /** The authorization request to carry on once signed in, if any. */
  @Column({ name: 'interaction', type: 'varchar', length: 64, nullable: true })
  interaction: string | null;

  @Index('IDX_pending_sign_ins_expires')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
