import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { RequireScope } from '../../common/auth/required-scope';
import { pageAnswer, PaginationQuery } from '../../common/pagination.dto';
import { ADMIN_SCOPE } from '../../common/auth/permissions';
import { AdminAudit, AuditContext } from '../../events/audit-context';
import { CreateRoleDto, RoleView, SubjectRolesDto, UpdateRoleDto } from './role.dto';
import { RolesService, toRoleView } from './roles.service';

@ApiTags('admin: roles')
@RequireScope(ADMIN_SCOPE)
@ApiBadRequestResponse({
  description: 'Validation failed: `{error, message, details: [{field, problem}]}`',
})
@Controller('admin')
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @Post('roles')
  @ApiCreatedResponse({ type: RoleView })
  @ApiConflictResponse({ description: 'A role of that name exists' })
  async create(@Body() body: CreateRoleDto, @AdminAudit() audit: AuditContext): Promise<RoleView> {
    return toRoleView(await this.roles.create(body, audit));
  }

  @Get('roles')
  @ApiOkResponse({ type: [RoleView], description: 'X-Total-Count carries the total' })
  async list(
    @Query() page: PaginationQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RoleView[]> {
    return pageAnswer(reply, await this.roles.list(page.limit, page.offset), toRoleView);
  }

  @Get('roles/:name')
  @ApiOkResponse({ type: RoleView })
  @ApiNotFoundResponse()
  async read(@Param('name') name: string): Promise<RoleView> {
    return toRoleView(await this.roles.get(name));
  }

  @Patch('roles/:name')
  @ApiOkResponse({ type: RoleView })
  @ApiNotFoundResponse()
  async update(
    @Param('name') name: string,
    @Body() body: UpdateRoleDto,
    @AdminAudit() audit: AuditContext,
  ): Promise<RoleView> {
    return toRoleView(await this.roles.update(name, body, audit));
  }

  @Delete('roles/:name')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted; its holders lose its permissions at once' })
  @ApiNotFoundResponse()
  async remove(@Param('name') name: string, @AdminAudit() audit: AuditContext): Promise<void> {
    await this.roles.remove(name, audit);
  }

  @Get('users/:id/roles')
  @ApiOkResponse({ type: SubjectRolesDto, description: "The user's roles, sorted by name" })
  @ApiNotFoundResponse()
  async userRoles(@Param('id') id: string): Promise<SubjectRolesDto> {
    return { roles: await this.roles.userRoles(id) };
  }

  @Get('clients/:client_id/roles')
  @ApiOkResponse({ type: SubjectRolesDto, description: "The client's roles, sorted by name" })
  @ApiNotFoundResponse()
  async clientRoles(@Param('client_id') clientId: string): Promise<SubjectRolesDto> {
    return { roles: await this.roles.clientRoles(clientId) };
  }

  @Put('users/:id/roles')
  @ApiOkResponse({ type: SubjectRolesDto, description: "The user's roles now" })
  @ApiNotFoundResponse()
  async setUserRoles(
    @Param('id') id: string,
    @Body() body: SubjectRolesDto,
    @AdminAudit() audit: AuditContext,
  ): Promise<SubjectRolesDto> {
    return { roles: await this.roles.setUserRoles(id, body.roles, audit) };
  }

  @Put('clients/:client_id/roles')
  @ApiOkResponse({ type: SubjectRolesDto, description: "The client's roles now" })
  @ApiNotFoundResponse()
  async setClientRoles(
    @Param('client_id') clientId: string,
    @Body() body: SubjectRolesDto,
    @AdminAudit() audit: AuditContext,
  ): Promise<SubjectRolesDto> {
    return { roles: await this.roles.setClientRoles(clientId, body.roles, audit) };
  }
}
