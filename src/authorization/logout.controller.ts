import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ClientDirectory } from '../clients/client-directory.service';
import { AppConfig } from '../config/app-config';
import { JwtService } from '../crypto/jwt.service';
import { ID_TOKEN_ALGORITHMS } from '../crypto/signing-algorithms';
import { csrfToken, csrfValid } from './csrf';
import { formField, internalPath } from './form';
import { seeOther, sendPage } from './page-response';
import { SESSION_COOKIE, SessionsService } from './sessions.service';
import { errorPage, logoutConfirmPage, messagePage } from './views/pages';
import { ErrorShape } from '../common/error-response';

interface IdTokenHint {
  clientId: string;
  sub?: string;
}

interface LogoutRequest {
  idTokenHint?: string;
  clientId?: string;
  postLogoutRedirectUri?: string;
  state?: string;
}

/**
 * OpenID Connect RP-Initiated Logout 1.0 (`end_session_endpoint`). With a valid id_token_hint
 * the session ends at once; without one the user confirms on a form (no logout by a stray
 * link). The browser goes back only to a post_logout_redirect_uri the client registered.
 */
@ApiTags('oauth')
@ErrorShape('page')
@Controller('logout')
export class LogoutController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly clients: ClientDirectory,
    private readonly jwt: JwtService,
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
    confirmation: 'ask' | 'ask-again' | 'confirmed',
  ): Promise<void> {
    const logout: LogoutRequest = {
      idTokenHint: formField(params, 'id_token_hint'),
      clientId: formField(params, 'client_id'),
      postLogoutRedirectUri: formField(params, 'post_logout_redirect_uri'),
      state: formField(params, 'state'),
    };
    let hint: IdTokenHint | undefined;
    if (logout.idTokenHint) {
      hint = await this.readHint(logout.idTokenHint);
      if (!hint) return sendPage(reply, 400, errorPage('The id_token_hint is not valid.'));
      if (logout.clientId && logout.clientId !== hint.clientId) {
        return sendPage(reply, 400, errorPage('client_id does not match the id_token_hint.'));
      }
    }
    const clientId = hint?.clientId ?? logout.clientId;
    let target: string | undefined;
    if (logout.postLogoutRedirectUri) {
      const client = clientId ? await this.clients.findActive(clientId) : null;
      if (!client || !client.postLogoutRedirectUris.includes(logout.postLogoutRedirectUri)) {
        return sendPage(
          reply,
          400,
          errorPage('post_logout_redirect_uri is not registered for this application.'),
        );
      }
      target = logout.postLogoutRedirectUri;
    }
    // RP-Initiated Logout 1.0 §2: the OP must ask the user unless the id_token_hint names the
    // user signed in here.
    const session = await this.sessions.find(request.cookies[SESSION_COOKIE]);
    const hintIsSessionUser = hint !== undefined && (!session || session.user.id === hint.sub);
    if (!hintIsSessionUser && confirmation !== 'confirmed') {
      const ask = {
        clientId,
        postLogoutRedirectUri: logout.postLogoutRedirectUri,
        state: logout.state,
      };
      if (confirmation === 'ask-again') {
        // A form without a valid CSRF token: show the question again, by 303 (no logout).
        return seeOther(
          reply,
          internalPath('/logout', {
            client_id: ask.clientId,
            post_logout_redirect_uri: ask.postLogoutRedirectUri,
            state: ask.state,
          }),
        );
      }
      const csrf = csrfToken(request, reply, this.config.issuer.startsWith('https:'));
      return sendPage(reply, 200, logoutConfirmPage({ csrf, ...ask }));
    }
    await this.sessions.end(request.cookies[SESSION_COOKIE]);
    void reply.clearCookie(SESSION_COOKIE, this.sessions.cookieOptions());
    if (!target) return seeOther(reply, '/logout/done');
    const url = new URL(target);
    if (logout.state !== undefined) url.searchParams.set('state', logout.state);
    void reply
      .status(303)
      .headers({ location: url.toString(), 'cache-control': 'no-store' })
      .send();
  }

  /** The audience and subject of one of our ID tokens (signature checked; expiry does not matter). */
  private async readHint(idToken: string): Promise<IdTokenHint | undefined> {
    try {
      const payload = await this.jwt.verify(idToken, {
        typ: 'JWT',
        algorithms: [...ID_TOKEN_ALGORITHMS],
        allowExpired: true,
      });
      const clientId = typeof payload.aud === 'string' ? payload.aud : payload.aud?.[0];
      return clientId ? { clientId, sub: payload.sub } : undefined;
    } catch {
      return undefined;
    }
  }
}
