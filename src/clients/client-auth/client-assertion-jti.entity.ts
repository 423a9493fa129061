import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * RFC 7523 §3 (7): a client assertion's `jti` may be used once. Remembered until the assertion
 * expires; the primary key makes a replay fail atomically across processes.
 */
@Entity({ name: 'client_assertion_jtis' })
export class ClientAssertionJtiEntity {
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 128 })
  clientId: string;

  @PrimaryColumn({ name: 'jti', type: 'varchar', length: 256 })
  jti: string;

  @Index('IDX_client_assertion_jtis_expires')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
