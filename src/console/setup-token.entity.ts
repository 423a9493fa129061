import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * The one-time link that makes the first admin person (docs/console.md, Setup link): only the
 * SHA-256 of the token is kept; it is good once, for 24 hours. A row is never deleted, so a
 * database that ever issued one never issues another.
 */
@Entity({ name: 'console_setup_tokens' })
export class ConsoleSetupTokenEntity {
  /** SHA-256 of the token, hex. */
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
