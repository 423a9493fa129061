import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { USERNAME_SYNTAX } from '../users/password.policy';

/** POST /console/setup (docs/console.md, Setup link). */
export class ConsoleSetupDto {
  @ApiProperty({ description: 'The token of the setup link (after `#token=`)' })
  @IsString()
  @MaxLength(200)
  token: string;

  @ApiProperty({ example: 'alice', description: '3-64 of A-Z a-z 0-9 . _ @ + -' })
  @IsString()
  @Matches(USERNAME_SYNTAX, { message: 'must be 3 to 64 letters, digits or . _ @ + -' })
  username: string;

  @ApiProperty({ description: 'At least 12 characters, at most 72 bytes' })
  @IsString()
  @MaxLength(200)
  password: string;

  @ApiPropertyOptional({ example: 'alice@example.com' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;
}

export class ConsoleSetupView {
  @ApiProperty({ description: 'The new person (their `sub`)' })
  id: string;

  @ApiProperty()
  username: string;
}

export class ConsoleConfigView {
  @ApiProperty({ example: 'https://id.example.com' })
  issuer: string;

  @ApiProperty({ example: 'gatehouse-console' })
  client_id: string;

  @ApiProperty({ example: 'openid profile offline_access iam:admin iam:check' })
  scope: string;
}
