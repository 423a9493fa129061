import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { pageAnswer } from '../common/pagination.dto';
import { ADMIN_SCOPE } from '../common/auth/permissions';
import { RequireScope } from '../common/auth/required-scope';
import { AuditEventsQuery, AuditEventView, toAuditEventView } from './audit-events.dto';
import { AuditEvents } from './audit-events.service';

@ApiTags('admin: audit events')
@RequireScope(ADMIN_SCOPE)
@Controller('admin/audit-events')
export class AuditEventsController {
  constructor(private readonly events: AuditEvents) {}

  @Get()
  @ApiOperation({
    summary: 'Security events, newest first; X-Total-Count carries the number that match',
  })
  @ApiOkResponse({ type: [AuditEventView] })
  @ApiBadRequestResponse({
    description: 'A bad filter: `{error, message, details: [{field, problem}]}`',
  })
  async list(
    @Query() query: AuditEventsQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuditEventView[]> {
    return pageAnswer(reply, await this.events.find(query), toAuditEventView);
  }
}
