import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/** Why a link was mailed. */
export type AccountLinkPurpose = 'email_verification' | 'password_reset';

/**
 * A link sent by mail (docs/account.md): the token is 256 random bits in the link; only its
 * SHA-256 is stored. Single use: redeeming deletes the row.
 */
@Entity({ name: 'account_links' })
@Index('IDX_account_links_user', ['userId', 'purpose'])
@Check('CHK_account_links_purpose', `"purpose" IN ('email_verification', 'password_reset')`)
export class AccountLinkEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ name: 'purpose', type: 'varchar', length: 32 })
  purpose: AccountLinkPurpose;

  @ForeignKey('users', { name: 'FK_account_links_user', onDelete: 'CASCADE' })
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** For a verification link: the address it verifies (a later change makes it worthless). */
  @Column({ name: 'email', type: 'varchar', length: 254, nullable: true })
  email: string | null;

  @Index('IDX_account_links_expires')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
