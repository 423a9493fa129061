import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * RFC 9449 §11.1: a DPoP proof's `jti` is accepted once per key. Remembered while a proof with
 * it could still pass the `iat` window; the primary key makes a replay fail atomically across
 * processes.
 */
@Entity({ name: 'dpop_proof_jtis' })
export class DpopProofJtiEntity {
  @PrimaryColumn({
    name: 'jkt',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'PK_dpop_proof_jtis',
  })
  jkt: string;

  @PrimaryColumn({
    name: 'jti',
    type: 'varchar',
    length: 256,
    primaryKeyConstraintName: 'PK_dpop_proof_jtis',
  })
  jti: string;

  @Index('IDX_dpop_proof_jtis_expires')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
