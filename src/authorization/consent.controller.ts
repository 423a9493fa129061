import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ClientDirectory } from '../clients/client-directory.service';
import { AppConfig } from '../config/app-config';
import { respond } from './authorize.controller';
import { AuthorizationService } from './authorization.service';
import { csrfToken, csrfValid } from './csrf';
import { formField, internalPath } from './form';
import { InteractionsService } from './interactions.service';
import { seeOther, sendPage } from './page-response';
import { SESSION_COOKIE, SessionsService } from './sessions.service';
import { consentPage, errorPage } from './views/pages';
import { ErrorShape } from '../common/error-response';

const EXPIRED = 'This sign-in request has expired or is unknown. Start again from the application.';

/** The consent page: the signed-in user allows or denies the client's scopes. */
@ApiExcludeController()
@ErrorShape('page')
@Controller('consent')
export class ConsentController {
  constructor(
    private readonly interactions: InteractionsService,
    private readonly sessions: SessionsService,
    private readonly clients: ClientDirectory,
    private readonly authorization: AuthorizationService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async page(
    @Query('interaction') interaction: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const pending = await this.interactions.find(interaction);
    if (!pending || !interaction) return sendPage(reply, 400, errorPage(EXPIRED));
    const session = await this.sessions.find(request.cookies[SESSION_COOKIE]);
    if (!session) return seeOther(reply, internalPath('/login', { interaction }));
    const client = await this.clients.findActive(pending.clientId);
    if (!client) return sendPage(reply, 400, errorPage('The application is no longer available.'));
    sendPage(
      reply,
      200,
      consentPage({
        csrf: csrfToken(request, reply, this.config.issuer.startsWith('https:')),
        interaction,
        clientName: client.clientName,
        username: session.user.username,
        scopes: pending.scopes,
      }),
    );
  }

  @Post()
  async decide(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = (request.body ?? {}) as Record<string, unknown>;
    const interaction = formField(form, 'interaction');
    const pending = await this.interactions.find(interaction);
    if (!pending || !interaction) return sendPage(reply, 400, errorPage(EXPIRED));
    if (!csrfValid(request, formField(form, 'csrf_token'))) {
      return seeOther(reply, internalPath('/consent', { interaction }));
    }
    const session = await this.sessions.find(request.cookies[SESSION_COOKIE]);
    if (!session) return seeOther(reply, internalPath('/login', { interaction }));
    const decision = formField(form, 'decision');
    if (decision !== 'allow' && decision !== 'deny') {
      return sendPage(reply, 400, errorPage('Choose Allow or Deny.'));
    }
    respond(
      reply,
      await this.authorization.decide(pending, session, interaction, decision === 'allow'),
      303,
    );
  }
}
