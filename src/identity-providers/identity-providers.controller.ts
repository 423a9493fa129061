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
import { ADMIN_SCOPE } from '../common/auth/permissions';
import { RequireScope } from '../common/auth/required-scope';
import { pageAnswer, PaginationQuery } from '../common/pagination.dto';
import { AppConfig } from '../config/app-config';
import { AdminAudit, AuditContext } from '../events/audit-context';
import {
  CreateIdentityProviderDto,
  IdentityProviderView,
  UpdateIdentityProviderDto,
  UpstreamLinkView,
} from './identity-provider.dto';
import { toProviderView } from './identity-provider';
import { IdentityProvidersService } from './identity-providers.service';
import { UpstreamLinks } from './upstream-links.service';

/** Upstream OpenID Providers (docs/identity-providers.md); the client secret is never returned. */
@ApiTags('admin: identity providers')
@RequireScope(ADMIN_SCOPE)
@ApiBadRequestResponse({
  description: 'Validation failed: `{error, message, details: [{field, problem}]}`',
})
@Controller('admin')
export class IdentityProvidersController {
  constructor(
    private readonly providers: IdentityProvidersService,
    private readonly links: UpstreamLinks,
    private readonly config: AppConfig,
  ) {}

  @Post('identity-providers')
  @ApiCreatedResponse({ type: IdentityProviderView })
  @ApiConflictResponse({ description: 'A provider with that alias exists' })
  async create(
    @Body() body: CreateIdentityProviderDto,
    @AdminAudit() audit: AuditContext,
  ): Promise<IdentityProviderView> {
    return this.view(await this.providers.create(body, audit));
  }

  @Get('identity-providers')
  @ApiOkResponse({ type: [IdentityProviderView], description: 'X-Total-Count carries the total' })
  async list(
    @Query() page: PaginationQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IdentityProviderView[]> {
    return pageAnswer(reply, await this.providers.list(page.limit, page.offset), (provider) =>
      this.view(provider),
    );
  }

  @Get('identity-providers/:alias')
  @ApiOkResponse({ type: IdentityProviderView })
  @ApiNotFoundResponse()
  async read(@Param('alias') alias: string): Promise<IdentityProviderView> {
    return this.view(await this.providers.get(alias));
  }

  @Patch('identity-providers/:alias')
  @ApiOkResponse({ type: IdentityProviderView })
  @ApiNotFoundResponse()
  async update(
    @Param('alias') alias: string,
    @Body() body: UpdateIdentityProviderDto,
    @AdminAudit() audit: AuditContext,
  ): Promise<IdentityProviderView> {
    return this.view(await this.providers.update(alias, body, audit));
  }

  @Delete('identity-providers/:alias')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted, with every account link made through it' })
  @ApiNotFoundResponse()
  async remove(@Param('alias') alias: string, @AdminAudit() audit: AuditContext): Promise<void> {
    await this.providers.remove(alias, audit);
  }

  @Get('users/:id/upstream-links')
  @ApiOkResponse({ type: [UpstreamLinkView], description: "The user's upstream identities" })
  linksOf(@Param('id') id: string): Promise<UpstreamLinkView[]> {
    return this.links.linksOf(id);
  }

  @Delete('users/:id/upstream-links/:link')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'That upstream identity no longer signs in as the user' })
  @ApiNotFoundResponse()
  async unlink(
    @Param('id') id: string,
    @Param('link') link: string,
    @AdminAudit() audit: AuditContext,
  ): Promise<void> {
    await this.links.unlink(id, link, audit);
  }

  private view(provider: Parameters<typeof toProviderView>[0]): IdentityProviderView {
    return toProviderView(provider, this.config.issuer);
  }
}
