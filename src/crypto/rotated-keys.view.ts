import { ApiProperty } from '@nestjs/swagger';
import { RotatedKey } from './key-rotation.service';

export class RotatedKeyView {
  @ApiProperty({ description: 'RFC 7638 thumbprint: the `kid` of tokens signed from signs_from' })
  kid: string;
  @ApiProperty({ enum: ['ES256', 'EdDSA', 'RS256'] }) alg: string;
  @ApiProperty({ description: 'ISO 8601' }) created_at: string;
  @ApiProperty({
    description:
      'ISO 8601: from when the key signs (KEY_PUBLISH_AHEAD after the rotation, or at once if ' +
      'immediate); it is in /jwks already',
  })
  signs_from: string;
}

/** The answer to POST /admin/keys/rotate: the new key of each algorithm. */
export class RotatedKeysView {
  @ApiProperty({ type: [RotatedKeyView] }) keys: RotatedKeyView[];
}

export function toRotatedKeysView(rotated: RotatedKey[]): RotatedKeysView {
  return {
    keys: rotated.map((key) => ({
      kid: key.kid,
      alg: key.alg,
      created_at: key.createdAt.toISOString(),
      signs_from: key.signsFrom.toISOString(),
    })),
  };
}
