import { Controller, Req, Res } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ClientAuthenticatedEndpoint } from '../clients/client-auth/client-authenticated-endpoint';
import { ErrorShape } from '../common/error-response';
import { AuthorizationRequestParser } from './authorization-request.parser';
import { PushedRequests } from './pushed-requests.service';

class PushedAuthorizationRequestSchema {
  @ApiProperty({ enum: ['code'] }) response_type: string;
  @ApiPropertyOptional({ description: 'Required when the client registered several' })
  redirect_uri?: string;
  @ApiPropertyOptional() scope?: string;
  @ApiPropertyOptional() state?: string;
  @ApiPropertyOptional() nonce?: string;
  @ApiPropertyOptional() code_challenge?: string;
  @ApiPropertyOptional({ enum: ['S256'] }) code_challenge_method?: string;
  @ApiPropertyOptional() prompt?: string;
  @ApiPropertyOptional() max_age?: string;
  @ApiPropertyOptional() login_hint?: string;
  @ApiPropertyOptional({ description: 'client_secret_post, or the client_id of a public client' })
  client_id?: string;
  @ApiPropertyOptional({ description: 'client_secret_post only' }) client_secret?: string;
}

class PushedAuthorizationResponseSchema {
  @ApiProperty({ example: 'urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c' })
  request_uri: string;
  @ApiProperty({ description: 'Seconds the request_uri stays usable (once)' }) expires_in: number;
}

/** RFC 9126 §2: the pushed authorization request endpoint. */
@ApiTags('oauth')
@ErrorShape('oauth')
@Controller('par')
export class ParController {
  constructor(
    private readonly parser: AuthorizationRequestParser,
    private readonly pushed: PushedRequests,
  ) {}

  @ClientAuthenticatedEndpoint({
    operation: {
      summary: 'RFC 9126 pushed authorization request',
      description:
        'The client pushes the parameters of an authorization request, authenticated as at ' +
        '/token; they are validated as at /authorize and stored. The browser then goes to ' +
        '/authorize?client_id=…&request_uri=…, usable once before it expires.',
    },
    body: PushedAuthorizationRequestSchema,
    ok: { type: PushedAuthorizationResponseSchema, description: 'Stored' },
    badRequest:
      'invalid_request (request_uri pushed, redirect_uri not registered, …), invalid_scope, ' +
      'unsupported_response_type, unauthorized_client, request_not_supported',
    status: 201,
  })
  async push(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PushedAuthorizationResponseSchema> {
    void reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
    const client = request.client!;
    const params = this.parser.parsePushed(request.body as Record<string, unknown>, client);
    const { requestUri, expiresIn } = await this.pushed.push(client.clientId, params);
    return { request_uri: requestUri, expires_in: expiresIn };
  }
}
