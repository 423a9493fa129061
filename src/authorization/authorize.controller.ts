import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { RedirectableError, UntrustedRequestError } from './authorization-request';
import { AuthorizationRequestParser } from './authorization-request.parser';
import { AuthorizationService, NextStep } from './authorization.service';
import { InteractionsService } from './interactions.service';
import { sendPage } from './page-response';
import { SESSION_COOKIE, SessionsService } from './sessions.service';
import { errorPage } from './views/pages';
import { ErrorShape } from '../common/error-response';

/** RFC 6749 §3.1 authorization endpoint (GET and POST), response_type=code only. */
@ApiTags('oauth')
@ErrorShape('page')
@Controller('authorize')
export class AuthorizeController {
  constructor(
    private readonly parser: AuthorizationRequestParser,
    private readonly authorization: AuthorizationService,
    private readonly interactions: InteractionsService,
    private readonly sessions: SessionsService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636, OIDC Core §3.1)',
  })
  @ApiQuery({ name: 'response_type', enum: ['code'] })
  @ApiQuery({ name: 'client_id' })
  @ApiQuery({ name: 'redirect_uri', required: false })
  @ApiQuery({ name: 'scope', required: false })
  @ApiQuery({ name: 'state', required: false })
  @ApiQuery({ name: 'code_challenge', required: false })
  @ApiQuery({ name: 'code_challenge_method', required: false, enum: ['S256'] })
  @ApiQuery({
    name: 'dpop_jkt',
    required: false,
    description: 'RFC 9449 §10: the code is redeemed only with a DPoP proof by this key',
  })
  async authorizeGet(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.authorize(request.query as Record<string, unknown>, request, reply, 302);
  }

  @Post()
  @ApiOperation({
    summary: 'The same as GET, with the parameters in a form body (OIDC Core §3.1.2.1)',
  })
  async authorizePost(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = request.body;
    const params =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    await this.authorize(params, request, reply, 303);
  }

  /** Where login and sign-up send the browser back to, to carry on the pending request. */
  @Get('continue')
  @ApiExcludeEndpoint()
  async continue(
    @Query('interaction') interaction: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const pending = await this.interactions.find(interaction);
    if (!pending || !interaction) {
      sendPage(reply, 400, errorPage('This sign-in request has expired or is unknown.'));
      return;
    }
    const session = await this.sessions.find(request.cookies[SESSION_COOKIE]);
    respond(reply, await this.authorization.next(pending, session, interaction), 302);
  }

  private async authorize(
    params: Record<string, unknown>,
    request: FastifyRequest,
    reply: FastifyReply,
    redirectStatus: number,
  ): Promise<void> {
    try {
      const parsed = await this.parser.parse(params);
      const session = await this.sessions.find(request.cookies[SESSION_COOKIE]);
      respond(reply, await this.authorization.next(parsed.request, session), redirectStatus);
    } catch (error) {
      if (error instanceof UntrustedRequestError) {
        sendPage(reply, 400, errorPage(error.description));
      } else if (error instanceof RedirectableError) {
        respond(
          reply,
          this.authorization.error(error, error.error, error.description),
          redirectStatus,
        );
      } else {
        throw error;
      }
    }
  }
}

/** Where each step of a pending request is shown. */
const STEP_PAGES = {
  login: '/login',
  consent: '/consent',
  'second-factor': '/login/second-factor',
  enrol: '/account/security',
} as const;

export function respond(reply: FastifyReply, step: NextStep, status: number): void {
  const location =
    step.kind === 'redirect'
      ? step.location
      : `${STEP_PAGES[step.kind]}?interaction=${encodeURIComponent(step.interaction)}`;
  void reply
    .status(status)
    .headers({ location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' })
    .send();
}
