import { Controller, Req, Res } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { CHECK_SCOPE } from '../common/auth/permissions';
import { ErrorShape } from '../common/error-response';
import { ClientAuthenticatedEndpoint } from './client-authenticated-endpoint';
import { IntrospectionResponse, IntrospectionService } from './introspection.service';
import { TokenParams } from './token-params';

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

  @ClientAuthenticatedEndpoint({
    operation: {
      summary: 'RFC 7662 token introspection',
      description:
        'The caller authenticates as a confidential client. It may introspect tokens issued to it, ' +
        'access tokens addressed to one of its registered audiences, and any token when its ' +
        `registered scopes include ${CHECK_SCOPE}.`,
    },
    body: IntrospectionRequestSchema,
    ok: { type: IntrospectionResponseSchema },
    badRequest: 'invalid_request',
    unavailable: 'temporarily_unavailable',
  })
  introspect(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IntrospectionResponse> {
    // The answer describes a credential: never cached (RFC 7662 §4).
    void reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
    return this.introspection.introspect(request.client!, request.body as TokenParams);
  }
}
