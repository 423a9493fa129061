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
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { RequireScope } from '../common/auth/required-scope';
import { pageAnswer } from '../common/pagination.dto';
import { DirectoryQuery } from '../common/directory-query.dto';
import { ADMIN_SCOPE } from '../common/auth/permissions';
import { AdminAudit, AuditContext } from '../events/audit-context';
import { CreateUserDto, UpdateUserDto } from './user.dto';
import { toUserView, UserView } from './user.view';
import { UsersService } from './users.service';

@ApiTags('admin: users')
@RequireScope(ADMIN_SCOPE)
@ApiBadRequestResponse({
  description: 'Validation failed: `{error, message, details: [{field, problem}]}`',
})
@Controller('admin/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiCreatedResponse({ type: UserView })
  @ApiConflictResponse({ description: 'The username is taken' })
  async create(@Body() body: CreateUserDto, @AdminAudit() audit: AuditContext): Promise<UserView> {
    return toUserView(await this.users.create(body, audit));
  }

  @Get()
  @ApiOkResponse({ type: [UserView], description: 'X-Total-Count carries the total' })
  async list(
    @Query() query: DirectoryQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserView[]> {
    return pageAnswer(reply, await this.users.list(query.limit, query.offset, query), toUserView);
  }

  @Get(':id')
  @ApiOkResponse({ type: UserView })
  @ApiNotFoundResponse()
  async read(@Param('id') id: string): Promise<UserView> {
    return toUserView(await this.users.get(id));
  }

  @Patch(':id')
  @ApiOkResponse({ type: UserView })
  @ApiNotFoundResponse()
  async update(
    @Param('id') id: string,
    @Body() body: UpdateUserDto,
    @AdminAudit() audit: AuditContext,
  ): Promise<UserView> {
    return toUserView(await this.users.update(id, body, audit));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: "Deleted; the user's sessions and tokens end" })
  @ApiNotFoundResponse()
  async remove(@Param('id') id: string, @AdminAudit() audit: AuditContext): Promise<void> {
    await this.users.remove(id, audit);
  }
}
