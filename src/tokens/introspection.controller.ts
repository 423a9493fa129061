import { Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBasicAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ClientAuthGuard } from '../clients/client-auth/client-auth.guard';
import { CHECK_SCOPE } from '../common/auth/permissions';
import { IntrospectionResponse, IntrospectionService } from './introspection.service';
import { TokenParams } from './token-params';
import { TokenRequestGuard } from './token-request.guard';
import { OAuthErrorSchema } from './token.controller';
import { ErrorShape } from '../common/error-response';

class IntrospectionRequestSchema {
  @ApiProperty({ description: 'The access token or refresh token to look at' }) token: string;
  @ApiPropertyOptional({
    enum: ['access_token', 'refresh_token'],
    description: 'A hint only (RFC 7662 §2.1); a wrong one does not change the answer',
  })
  token_type_hint?: string;
  @ApiPropertyOptional({ description: 'client_secret_post only' }) client_id?: string;
  @ApiPropertyOptional({ description: 'client_secret_post only' }) client_secret?: string;
}

class IntrospectionResponseSchema {
  @ApiProperty({
    description:
      'false, and nothing else, for a token that is invalid, expired, revoked, unknown or not the caller’s business',
  })
  active: boolean;
  @ApiPropertyOptional() scope?: string;
  @ApiPropertyOptional() client_id?: string;
  @ApiPropertyOptional({ description: 'The user, or the client_id for client_credentials' })
  sub?: string;
  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'Access tokens only',
  })
  aud?: string | string[];
  @ApiPropertyOptional() iss?: string;
  @ApiPropertyOptional({ description: 'Epoch seconds' }) exp?: number;
  @ApiPropertyOptional({ description: 'Epoch seconds' }) iat?: number;
  @ApiPropertyOptional({ description: 'Access tokens only' }) jti?: string;
  @ApiPropertyOptional({ enum: ['Bearer', 'refresh_token'] }) token_type?: string;
}

@ApiTags('oauth')
@ErrorShape('oauth')
@Controller('introspect')
export class IntrospectionController {
  constructor(private readonly introspection: IntrospectionService) {}

  @Post()
  @HttpCode(200)
  @UseGuards(TokenRequestGuard, ClientAuthGuard)
  @ApiOperation({
    summary: 'RFC 7662 token introspection',
    description:
      'The caller authenticates as a confidential client. It may introspect tokens issued to it, ' +
      'access tokens addressed to one of its registered audiences, and any token when its ' +
      `registered scopes include ${CHECK_SCOPE}.`,
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: IntrospectionRequestSchema })
  @ApiBasicAuth('client_secret_basic')
  @ApiOkResponse({ type: IntrospectionResponseSchema })
  @ApiBadRequestResponse({ type: OAuthErrorSchema, description: 'invalid_request' })
  @ApiUnauthorizedResponse({ type: OAuthErrorSchema, description: 'invalid_client' })
  @ApiServiceUnavailableResponse({ type: OAuthErrorSchema, description: 'temporarily_unavailable' })
  introspect(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IntrospectionResponse> {
    // The answer describes a credential: never cached (RFC 7662 §4).
    void reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
    return this.introspection.introspect(request.client!, request.body as TokenParams);
  }
}
