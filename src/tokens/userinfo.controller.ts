import { Controller, Get, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../common/oauth-error';
import { UserDirectory } from '../users/user-directory.service';
import { AccessTokenVerifier } from './access-token.verifier';
import { claimsForScopes } from './user-claims';

/** RFC 6750 §2.1 b64token; the scheme name is case-insensitive (RFC 7235 §2.1). */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/** OIDC Core §5.3 UserInfo, with RFC 6750 §3 errors. */
@ApiTags('oauth')
@ApiBearerAuth('bearer')
@Controller('userinfo')
export class UserinfoController {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly users: UserDirectory,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Claims about the signed-in user (needs scope openid)' })
  @ApiOkResponse()
  @ApiUnauthorizedResponse()
  get(
    @Headers('authorization') authorization: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.userinfo(authorization, request, reply);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'The same as GET' })
  post(
    @Headers('authorization') authorization: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.userinfo(authorization, request, reply);
  }

  private async userinfo(
    authorization: string | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const token = BEARER.exec(authorization ?? '')?.[1];
    if (!token) {
      // RFC 6750 §3.1: no credentials at all gets a bare challenge.
      throw new OAuthError('invalid_request', 401, 'a Bearer access token is required', undefined, {
        'www-authenticate': 'Bearer realm="gatehouse"',
      });
    }
    const principal = await this.verifier.verify(token);
    request.corsClientId = principal.clientId;
    if (!principal.scopes.includes('openid')) {
      throw new OAuthError(
        'insufficient_scope',
        403,
        'the access token lacks the openid scope',
        undefined,
        {
          'www-authenticate':
            'Bearer realm="gatehouse", error="insufficient_scope", scope="openid"',
        },
      );
    }
    const user = await this.users.findActive(principal.sub);
    if (!user)
      throw new OAuthError(
        'invalid_token',
        401,
        'the access token is invalid or expired',
        undefined,
        {
          'www-authenticate': 'Bearer realm="gatehouse", error="invalid_token"',
        },
      );
    void reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
    return { sub: user.id, ...claimsForScopes(user, principal.scopes) };
  }
}
