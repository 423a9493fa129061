import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ADMIN_SCOPE } from '../../common/auth/permissions';
import { RequireScope } from '../../common/auth/required-scope';
import { AdminAudit, AuditContext } from '../../events/audit-context';
import { AuditLog } from '../../events/audit-log.service';
import { UsersService } from '../../users/users.service';
import { SecondFactorRegistry, SecondFactorSummary } from './second-factor.registry';

export class SecondFactorView {
  @ApiProperty({ description: 'The kind: `totp`, `recovery_codes`, or another (`passkey`)' })
  kind: string;
  @ApiProperty() id: string;
  @ApiProperty() label: string;
  @ApiProperty() created_at: string;
  @ApiPropertyOptional({
    description: 'Kind-specific facts, e.g. `{remaining, total}`; never a secret',
  })
  details?: Record<string, unknown>;
}

function toView(factor: SecondFactorSummary): SecondFactorView {
  return {
    kind: factor.kind,
    id: factor.id,
    label: factor.label,
    created_at: factor.createdAt.toISOString(),
    ...(factor.details ? { details: factor.details } : {}),
  };
}

/** A person's second factors, for an admin helping someone who lost theirs. */
@ApiTags('admin: users')
@RequireScope(ADMIN_SCOPE)
@Controller('admin/users/:id/second-factors')
export class SecondFactorsAdminController {
  constructor(
    private readonly registry: SecondFactorRegistry,
    private readonly users: UsersService,
    private readonly audit: AuditLog,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Get()
  @ApiOperation({ summary: "The user's second factors (no secrets)" })
  @ApiOkResponse({ type: [SecondFactorView] })
  @ApiNotFoundResponse()
  async list(@Param('id') id: string): Promise<SecondFactorView[]> {
    await this.users.get(id);
    return (await this.registry.list(id)).map(toView);
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Removes every second factor of the user; their next sign-in asks for a password only (or to enrol, if policy requires)',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async removeAll(@Param('id') id: string, @AdminAudit() audit: AuditContext): Promise<void> {
    await this.users.get(id);
    await this.dataSource.transaction(async (manager) => {
      const removed: Record<string, number> = {};
      for (const kind of this.registry.all())
        removed[kind.kind] = await kind.removeAll(id, manager);
      await this.audit.record(
        {
          ...audit,
          type: 'second_factor.removed',
          target: { type: 'user', id },
          details: { kind: 'all', removed },
        },
        manager,
      );
    });
  }
}
