import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
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
import { AccessRuleView, CreateAccessRuleDto, UpdateAccessRuleDto } from './access-rule.dto';
import { AccessRulesService, toAccessRuleView } from './access-rules.service';

@ApiTags('admin: access rules')
@RequireScope(ADMIN_SCOPE)
@ApiBadRequestResponse({
  description: 'Validation failed: `{error, message, details: [{field, problem}]}`',
})
@Controller('admin/access-rules')
export class AccessRulesController {
  constructor(private readonly rules: AccessRulesService) {}

  @Post()
  @ApiCreatedResponse({ type: AccessRuleView })
  async create(
    @Body() body: CreateAccessRuleDto,
    @AdminAudit() audit: AuditContext,
  ): Promise<AccessRuleView> {
    return toAccessRuleView(await this.rules.create(body, audit));
  }

  @Get()
  @ApiOkResponse({ type: [AccessRuleView], description: 'X-Total-Count carries the total' })
  async list(
    @Query() page: PaginationQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AccessRuleView[]> {
    return pageAnswer(reply, await this.rules.list(page.limit, page.offset), toAccessRuleView);
  }

  @Patch(':id')
  @ApiOkResponse({ type: AccessRuleView })
  @ApiNotFoundResponse()
  async update(
    @Param('id') id: string,
    @Body() body: UpdateAccessRuleDto,
    @AdminAudit() audit: AuditContext,
  ): Promise<AccessRuleView> {
    return toAccessRuleView(await this.rules.update(id, body, audit));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async remove(@Param('id') id: string, @AdminAudit() audit: AuditContext): Promise<void> {
    await this.rules.remove(id, audit);
  }
}
