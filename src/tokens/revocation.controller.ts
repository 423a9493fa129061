import { Controller, Req, Res } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { auditContext } from '../events/audit-context';
import { ClientAuthenticatedEndpoint } from './client-authenticated-endpoint';
import { RevocationService } from './revocation.service';
import { TokenParams } from './token-params';
import { ErrorShape } from '../common/error-response';

class RevocationRequestSchema {
  @ApiProperty({ description: 'The access token or refresh token to revoke' }) token: string;
  @ApiPropertyOptional({
    enum: ['access_token', 'refresh_token'],
    description: 'A hint only (RFC 7009 §2.1); a wrong one does not change the outcome',
  })
  token_type_hint?: string;
  @ApiPropertyOptional({ description: 'client_secret_post, or the client_id of a public client' })
  client_id?: string;
  @ApiPropertyOptional({ description: 'client_secret_post only' }) client_secret?: string;
}

@ApiTags('oauth')
@ErrorShape('oauth')
@Controller('revoke')
export class RevocationController {
  constructor(private readonly revocation: RevocationService) {}

  @ClientAuthenticatedEndpoint({
    operation: {
      summary: 'RFC 7009 token revocation',
      description:
        'A client revokes its own tokens. A refresh token ends its whole family and the access ' +
        'tokens issued in it; an access token is revoked until it expires. An unknown, invalid ' +
        'or expired token is a success as well.',
    },
    body: RevocationRequestSchema,
    ok: { description: 'Revoked, or nothing to revoke; the body is empty' },
    badRequest: 'invalid_request; unauthorized_client for a token of another client',
    unavailable: 'temporarily_unavailable: nothing was revoked, try again',
  })
  async revoke(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    void reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
    const client = request.client!;
    await this.revocation.revoke(
      client,
      request.body as TokenParams,
      auditContext(request, { type: 'client', id: client.clientId }),
    );
  }
}
