import { Controller, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ClientAuthenticatedEndpoint } from '../clients/client-auth/client-authenticated-endpoint';
import { DpopProofKeys } from '../common/auth/dpop-proof-keys';
import { ErrorShape } from '../common/error-response';
import { InvalidRequestError } from '../common/oauth-error';
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
  @ApiPropertyOptional({
    description:
      'RFC 9449 §10: thumbprint of the DPoP key the code is bound to; a DPoP header binds it too',
  })
  dpop_jkt?: string;
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
    private readonly dpop: DpopProofKeys,
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
  @ApiHeader({
    name: 'DPoP',
    required: false,
    description: 'RFC 9449 §10.1 proof for POST /par: the code is bound to its key (as dpop_jkt)',
  })
  async push(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PushedAuthorizationResponseSchema> {
    void reply.headers({
      'cache-control': 'no-store',
      pragma: 'no-cache',
      ...this.dpop.nonceHeader(),
    });
    const client = request.client!;
    const params = this.parser.parsePushed(request.body as Record<string, unknown>, client);
    // RFC 9449 §10.1: a DPoP proof at /par binds the code to its key, as dpop_jkt would; given
    // both, they must name the same key.
    const proofKey = await this.dpop.keyOf(request, '/par');
    if (proofKey !== undefined) {
      if (params.dpop_jkt !== undefined && params.dpop_jkt !== proofKey) {
        throw new InvalidRequestError('dpop_jkt does not match the key of the DPoP proof');
      }
      params.dpop_jkt = proofKey;
    }
    const { requestUri, expiresIn } = await this.pushed.push(client.clientId, params);
    return { request_uri: requestUri, expires_in: expiresIn };
  }
}
