import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

export type SigningKeyStatus = 'active' | 'retired';

/**
 * A JWS signing key. The private half is AES-256-GCM encrypted at rest. `active`: the newest key
 * of its algorithm (signing, or published and waiting for `signs_from`); `retired`: replaced.
 */
@Entity({ name: 'signing_keys' })
@Index('IDX_signing_keys_status', ['status', 'algorithm'])
export class SigningKeyEntity {
  /** RFC 7638 JWK thumbprint, used as `kid`. */
  @PrimaryColumn({ name: 'kid', type: 'varchar', length: 64 })
  kid: string;

  @Column({ name: 'algorithm', type: 'varchar', length: 10 })
  algorithm: string;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk: Record<string, unknown>;

  /** base64url(iv | ciphertext | tag) of the PKCS#8 private key. */
  @Column({ name: 'private_key_encrypted', type: 'text' })
  privateKeyEncrypted: string;

  @Column({ name: 'status', type: 'varchar', length: 10, default: 'active' })
  status: SigningKeyStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /**
   * From when the key signs. A rotated-in key is published (in /jwks) at once and signs only
   * from this instant, which every process reads from here: they all switch together.
   */
  @Column({ name: 'signs_from', type: 'timestamptz', default: () => 'now()' })
  signsFrom: Date;

  /**
   * When the key stops signing (its successor's `signs_from`, possibly still ahead); it stays in
   * /jwks until every token it signed has expired.
   */
  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;
}
