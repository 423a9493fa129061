import { ApiProperty, ApiPropertyOptional, PartialType, PickType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
} from 'class-validator';
import { PERMISSION_SYNTAX } from '../../common/auth/permissions';

export const ROLE_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

export class CreateRoleDto {
  @ApiProperty({ example: 'billing-clerk' })
  @IsString()
  @Matches(ROLE_NAME, { message: 'must be 1 to 100 letters, digits or _ . : -' })
  name: string;

  @ApiPropertyOptional({ example: 'Reads and issues invoices' })
  @IsOptional()
  @IsString()
  @Length(0, 500)
  description?: string;

  @ApiProperty({ type: [String], example: ['invoices:read', 'invoices:write'] })
  @IsArray()
  @ArrayMaxSize(500)
  @ArrayUnique()
  @Matches(PERMISSION_SYNTAX, { each: true, message: 'each must be resource:action' })
  permissions: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'invoices:write': 'request.params.id == subject.id' },
    description:
      'A CEL condition per permission of the role, type-checked when saved (400 naming the ' +
      'position of an error); the role grants that permission only when it is true ' +
      '(docs/access.md, "Conditions")',
  })
  @IsOptional()
  @IsObject()
  conditions?: Record<string, string>;
}

export class UpdateRoleDto extends PartialType(
  PickType(CreateRoleDto, ['description', 'permissions', 'conditions'] as const),
) {}

export class SubjectRolesDto {
  @ApiProperty({ type: [String], example: ['billing-clerk'] })
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(ROLE_NAME, { each: true, message: 'each must be a role name' })
  roles: string[];
}

export class RoleView {
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ type: [String] }) permissions: string[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  conditions: Record<string, string>;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}
