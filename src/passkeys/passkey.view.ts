import { ApiProperty } from '@nestjs/swagger';
import { PasskeyEntity } from './passkey.entities';

/** A passkey as the admin API shows it: never its public key or the person's secrets. */
export class PasskeyView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'The WebAuthn credential id, base64url' }) credential_id: string;
  @ApiProperty({
    enum: ['singleDevice', 'multiDevice'],
    description: 'singleDevice: bound to one authenticator; multiDevice: synced (backup eligible)',
  })
  device_type: string;
  @ApiProperty({ description: 'Backed up when last used (the BS flag)' }) backed_up: boolean;
  @ApiProperty({ type: [String] }) transports: string[];
  @ApiProperty({ description: 'The signature counter last seen (0: it does not count)' })
  sign_count: number;
  @ApiProperty() created_at: string;
  @ApiProperty({ nullable: true, type: String }) last_used_at: string | null;
}

export function toPasskeyView(passkey: PasskeyEntity): PasskeyView {
  return {
    id: passkey.id,
    name: passkey.name,
    credential_id: passkey.credentialId,
    device_type: passkey.deviceType,
    backed_up: passkey.backedUp,
    transports: [...passkey.transports],
    sign_count: passkey.signCount,
    created_at: passkey.createdAt.toISOString(),
    last_used_at: passkey.lastUsedAt?.toISOString() ?? null,
  };
}
