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
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { RequireScope } from '../common/auth/required-scope';
import { pageAnswer, PaginationQuery } from '../common/pagination.dto';
import { AppConfig } from '../config/app-config';
import { AdminAudit, AuditContext } from '../events/audit-context';
import { CreateClientDto, RotateSecretDto, UpdateClientDto } from './client-metadata.dto';
import { ClientSecretView, ClientView, CreatedClientView, toClientView } from './client.view';
import { ADMIN_SCOPE } from '../common/auth/permissions';
import { ClientsService, ClientWithSecret } from './clients.service';
import { refuseConsoleChange } from './console-client';

@ApiTags('admin: clients')
@RequireScope(ADMIN_SCOPE)
@ApiBadRequestResponse({
  description: 'Validation failed: `{error, message, details: [{field, problem}]}`',
})
@Controller('admin/clients')
export class ClientsController {
  constructor(
    private readonly clients: ClientsService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Register a client; the secret is in this answer only' })
  @ApiCreatedResponse({ type: CreatedClientView })
  async create(
    @Body() body: CreateClientDto,
    @AdminAudit() audit: AuditContext,
  ): Promise<CreatedClientView> {
    return this.withSecret(await this.clients.create(body, undefined, audit));
  }

  @Get()
  @ApiOperation({ summary: 'List clients; X-Total-Count carries the total' })
  @ApiOkResponse({ type: [ClientView] })
  async list(
    @Query() page: PaginationQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClientView[]> {
    return pageAnswer(reply, await this.clients.list(page.limit, page.offset), (client) =>
      this.view(client),
    );
  }

  @Get(':client_id')
  @ApiOkResponse({ type: ClientView })
  @ApiNotFoundResponse()
  async read(@Param('client_id') clientId: string): Promise<ClientView> {
    return this.view(await this.clients.get(clientId));
  }

  @Patch(':client_id')
  @ApiOperation({ summary: 'Change metadata or status (disable with {"status": "disabled"})' })
  @ApiOkResponse({
    type: CreatedClientView,
    description: 'client_secret appears only if one was generated',
  })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The console client is managed by Gatehouse' })
  async update(
    @Param('client_id') clientId: string,
    @Body() body: UpdateClientDto,
    @AdminAudit() audit: AuditContext,
  ): Promise<ClientView> {
    refuseConsoleChange(clientId);
    const result = await this.clients.update(clientId, body, audit);
    return result.secret ? this.withSecret(result) : this.view(result.client);
  }

  @Delete(':client_id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted; its tokens stop working' })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The console client is managed by Gatehouse' })
  async remove(
    @Param('client_id') clientId: string,
    @AdminAudit() audit: AuditContext,
  ): Promise<void> {
    refuseConsoleChange(clientId);
    await this.clients.remove(clientId, audit);
  }

  @Post(':client_id/secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the secret: the old one stops working now, or after grace_period seconds',
  })
  @ApiOkResponse({ type: ClientSecretView })
  @ApiNotFoundResponse()
  @ApiConflictResponse()
  async rotateSecret(
    @Param('client_id') clientId: string,
    @Body() body: RotateSecretDto,
    @AdminAudit() audit: AuditContext,
  ): Promise<ClientSecretView> {
    refuseConsoleChange(clientId);
    const { client, secret } = await this.clients.rotateSecret(
      clientId,
      body.grace_period ?? 0,
      audit,
    );
    return { client_id: client.clientId, client_secret: secret!, client_secret_expires_at: 0 };
  }

  private view(client: ClientWithSecret['client']): ClientView {
    return toClientView(client, this.config.tokens.accessTokenLifetime);
  }

  private withSecret({ client, secret }: ClientWithSecret): CreatedClientView {
    return {
      ...this.view(client),
      ...(secret ? { client_secret: secret } : {}),
      client_secret_expires_at: 0,
    };
  }
}
