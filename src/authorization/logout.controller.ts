import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { csrfToken, csrfValid } from './csrf';
import { formField, internalPath } from './form';
import { seeOther, sendPage } from './page-response';
import { LogoutConfirmation, RpInitiatedLogout } from './rp-initiated-logout.service';
import { SESSION_COOKIE, SessionsService } from './sessions.service';
import { errorPage, logoutConfirmPage, messagePage } from './views/pages';
import { ErrorShape } from '../common/error-response';

/** OpenID Connect RP-Initiated Logout 1.0 (`end_session_endpoint`), see RpInitiatedLogout. */
@ApiTags('oauth')
@ErrorShape('page')
@Controller('logout')
export class LogoutController {
  constructor(
    private readonly logouts: RpInitiatedLogout,
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'RP-initiated logout (OIDC RP-Initiated Logout 1.0 §2)' })
  @ApiQuery({ name: 'id_token_hint', required: false })
  @ApiQuery({ name: 'post_logout_redirect_uri', required: false })
  @ApiQuery({ name: 'client_id', required: false })
  @ApiQuery({ name: 'state', required: false })
  async logoutGet(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.logout(request.query as Record<string, unknown>, request, reply, 'ask');
  }

  @Post()
  async logoutPost(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const form = (request.body ?? {}) as Record<string, unknown>;
    const csrf = csrfValid(request, formField(form, 'csrf_token'));
    await this.logout(form, request, reply, csrf ? 'confirmed' : 'ask-again');
  }

  /** Where a logout without a post_logout_redirect_uri ends (RFC 9110 §15.4.4: 303 after POST). */
  @Get('done')
  @ApiExcludeEndpoint()
  done(@Res() reply: FastifyReply): void {
    sendPage(reply, 200, messagePage('Signed out', 'You are signed out.'));
  }

  private async logout(
    params: Record<string, unknown>,
    request: FastifyRequest,
    reply: FastifyReply,
    confirmation: LogoutConfirmation,
  ): Promise<void> {
    const outcome = await this.logouts.logout(
      params,
      request.cookies[SESSION_COOKIE],
      confirmation,
    );
    switch (outcome.kind) {
      case 'refused':
        return sendPage(reply, 400, errorPage(outcome.message));
      case 'ask-again': {
        const { clientId, postLogoutRedirectUri, state } = outcome.question;
        return seeOther(
          reply,
          internalPath('/logout', {
            client_id: clientId,
            post_logout_redirect_uri: postLogoutRedirectUri,
            state,
          }),
        );
      }
      case 'confirm': {
        const csrf = csrfToken(request, reply, this.config.issuer.startsWith('https:'));
        return sendPage(reply, 200, logoutConfirmPage({ csrf, ...outcome.question }));
      }
      case 'signed-out':
        void reply.clearCookie(SESSION_COOKIE, this.sessions.cookieOptions());
        if (!outcome.target) return seeOther(reply, '/logout/done');
        void reply
          .status(303)
          .headers({ location: outcome.target, 'cache-control': 'no-store' })
          .send();
    }
  }
}
