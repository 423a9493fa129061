import { ApiProperty } from '@nestjs/swagger';

/** A signing key in GET /admin/keys (key-states.ts): never key material. */
export class KeyView {
  @ApiProperty({ description: 'RFC 7638 thumbprint' }) kid: string;
  @ApiProperty({ enum: ['ES256', 'EdDSA', 'RS256'] }) alg: string;
  @ApiProperty({
    enum: ['current', 'next', 'retired'],
    description:
      'next: published, not signing yet; current: signing now; retired: replaced, verifying ' +
      'until its tokens have expired',
  })
  state: string;
  @ApiProperty({ description: 'ISO 8601' }) created_at: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'ISO 8601: from when the key signs (signs_from)',
  })
  activates_at: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "ISO 8601: when it stops signing (its successor's signs_from); null: no successor",
  })
  retires_at: string | null;
}
