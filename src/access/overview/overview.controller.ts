import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ADMIN_SCOPE } from '../../common/auth/permissions';
import { RequireScope } from '../../common/auth/required-scope';
import { ClientsService } from '../../clients/clients.service';
import { UsersService } from '../../users/users.service';
import { DenialRecord, DenialsView } from '../engine/denial-record';
import { RoleEntity } from '../roles/role.entities';
import { AccessRuleEntity } from '../rules/access-rule.entity';

class OverviewCounts {
  @ApiProperty() clients: number;
  @ApiProperty() users: number;
  @ApiProperty() roles: number;
  @ApiProperty() access_rules: number;
}

class ReasonCount {
  @ApiProperty({ example: 'permission_denied' }) reason: string;
  @ApiProperty() count: number;
}

class DenialItem {
  @ApiProperty({ description: 'ISO 8601' }) at: string;
  @ApiProperty({ example: 'token_missing' }) reason: string;
  @ApiProperty({ enum: ['check', 'gateway', 'authzen'] }) surface: string;
  @ApiProperty({ nullable: true, type: String }) method: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Without its query string' })
  path: string | null;
  @ApiProperty({ nullable: true, type: String }) sub: string | null;
  @ApiProperty({ nullable: true, type: String }) client_id: string | null;
}

class OverviewDenials {
  @ApiProperty({ description: 'ISO 8601: when this process started counting' }) since: string;
  @ApiProperty({ type: [ReasonCount], description: 'Most first' }) by_reason: ReasonCount[];
  @ApiProperty({ type: [DenialItem], description: 'Newest first, at most 50' })
  latest: DenialItem[];
}

class OverviewView {
  @ApiProperty({ type: OverviewCounts }) counts: OverviewCounts;
  @ApiProperty({ type: OverviewDenials }) denials: OverviewDenials;
}

/** The console's home page: how much there is, and what was denied lately (docs/access.md). */
@ApiTags('admin: overview')
@RequireScope(ADMIN_SCOPE)
@Controller('admin/overview')
export class OverviewController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly denials: DenialRecord,
    private readonly clients: ClientsService,
    private readonly users: UsersService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Counts of clients, users, roles and access rules; the denials of this process',
    description:
      'The denials are those of the process that answered, since it started: with WORKERS > 1 ' +
      'each worker keeps its own (docs/access.md, "Denials on the overview").',
  })
  @ApiOkResponse({ type: OverviewView })
  async overview(): Promise<{ counts: OverviewCounts; denials: DenialsView }> {
    const [clients, users, roles, accessRules] = await Promise.all([
      this.clients.count(),
      this.users.count(),
      this.dataSource.getRepository(RoleEntity).count(),
      this.dataSource.getRepository(AccessRuleEntity).count(),
    ]);
    return {
      counts: { clients, users, roles, access_rules: accessRules },
      denials: this.denials.view(),
    };
  }
}
