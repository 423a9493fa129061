import { ApiProperty } from '@nestjs/swagger';
import { ATTRIBUTES_SCHEMA } from '../common/attributes';
import { User } from './user';

/** A user as the admin API shows it: never the password or its hash. */
export class UserView {
  @ApiProperty({ description: 'The OIDC sub' }) id: string;
  @ApiProperty() username: string;
  @ApiProperty({ nullable: true, type: String }) email: string | null;
  @ApiProperty() email_verified: boolean;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty({ nullable: true, type: String }) given_name: string | null;
  @ApiProperty({ nullable: true, type: String }) family_name: string | null;
  @ApiProperty(ATTRIBUTES_SCHEMA) attributes: Record<string, unknown>;
  @ApiProperty({ enum: ['active', 'disabled'] }) status: string;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    attributes: { ...user.attributes },
    status: user.status,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}
