import { ApiProperty, ApiPropertyOptional, OmitType, PartialType, PickType } from '@nestjs/swagger';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { ATTRIBUTES_SCHEMA } from '../common/attributes';
import { USERNAME_SYNTAX } from './password.policy';

export class CreateUserDto {
  @ApiProperty({
    example: 'alice',
    description: '3-64 of A-Z a-z 0-9 . _ @ + -; unique, case-insensitive',
  })
  @IsString()
  @Matches(USERNAME_SYNTAX, { message: 'must be 3 to 64 letters, digits or . _ @ + -' })
  username: string;

  @ApiProperty({ example: 'correct horse battery staple', description: '8 characters to 72 bytes' })
  @IsString()
  password: string;

  @ApiPropertyOptional({ example: 'alice@example.com' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  email_verified?: boolean;

  @ApiPropertyOptional({ example: 'Alice Liddell' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ example: 'Alice' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  given_name?: string;

  @ApiPropertyOptional({ example: 'Liddell' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  family_name?: string;

  @ApiPropertyOptional(ATTRIBUTES_SCHEMA)
  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown>;
}

export class UpdateUserDto extends PartialType(OmitType(CreateUserDto, ['username'] as const)) {
  @ApiPropertyOptional({ enum: ['active', 'disabled'] })
  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';
}

/** docs/signing-in.md, self sign-up body. */
export class SignUpDto extends PickType(CreateUserDto, [
  'username',
  'password',
  'email',
] as const) {}
