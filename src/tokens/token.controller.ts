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
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ClientAuthGuard } from '../clients/client-auth/client-auth.guard';
import { auditContext } from '../events/audit-context';
import { TokenResponse } from './grants/grant-handler';
import { TokenParams } from './token-params';
import { TokenRequestGuard } from './token-request.guard';
import { TokenService } from './token.service';

class TokenRequestSchema {
  @ApiProperty({ enum: ['client_credentials'] }) grant_type: string;
  @ApiPropertyOptional({ description: "Space-separated; default: the client's registered scopes" })
  scope?: string;
  @ApiPropertyOptional({ description: 'RFC 8707 resource indicator (repeatable)' })
  resource?: string;
  @ApiPropertyOptional({ description: 'client_secret_post only' }) client_id?: string;
  @ApiPropertyOptional({ description: 'client_secret_post only' }) client_secret?: string;
}

class TokenResponseSchema {
  @ApiProperty() access_token: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type: string;
  @ApiProperty() expires_in: number;
  @ApiProperty() scope: string;
}

export class OAuthErrorSchema {
  @ApiProperty() error: string;
  @ApiProperty() error_description: string;
}

@ApiTags('oauth')
@Controller('token')
export class TokenController {
  constructor(private readonly tokens: TokenService) {}

  @Post()
  @HttpCode(200)
  @UseGuards(TokenRequestGuard, ClientAuthGuard)
  @ApiOperation({ summary: 'RFC 6749 §3.2 token endpoint' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: TokenRequestSchema })
  @ApiBasicAuth('client_secret_basic')
  @ApiOkResponse({ type: TokenResponseSchema })
  @ApiBadRequestResponse({ type: OAuthErrorSchema })
  @ApiUnauthorizedResponse({ type: OAuthErrorSchema, description: 'invalid_client' })
  async token(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    // RFC 6749 §5.1: token responses are never cached.
    void reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
    const client = request.client!;
    return this.tokens.exchange(
      client,
      request.body as TokenParams,
      auditContext(request, { type: 'client', id: client.clientId }),
    );
  }
}
