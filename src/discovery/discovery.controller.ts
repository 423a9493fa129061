import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { SigningKeys } from '../crypto/signing-keys.service';
import { DiscoveryService } from './discovery.service';

/** Public metadata any origin may read (CONTRACT §2: CORS for every origin). */
const PUBLIC_HEADERS = {
  'access-control-allow-origin': '*',
  'cache-control': 'public, max-age=300',
};

@ApiTags('discovery')
@Controller()
export class DiscoveryController {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly keys: SigningKeys,
  ) {}

  @Get('.well-known/openid-configuration')
  @ApiOperation({ summary: 'OpenID Connect Discovery 1.0 §4' })
  @ApiOkResponse()
  openidConfiguration(@Res({ passthrough: true }) reply: FastifyReply): Record<string, unknown> {
    void reply.headers(PUBLIC_HEADERS);
    return this.discovery.describe();
  }

  @Get('.well-known/oauth-authorization-server')
  @ApiOperation({ summary: 'RFC 8414 §3 authorization server metadata' })
  @ApiOkResponse()
  authorizationServer(@Res({ passthrough: true }) reply: FastifyReply): Record<string, unknown> {
    void reply.headers(PUBLIC_HEADERS);
    return this.discovery.describe();
  }

  @Get('jwks')
  @ApiOperation({ summary: 'RFC 7517 JWK Set: the public signing keys' })
  @ApiOkResponse()
  jwks(@Res({ passthrough: true }) reply: FastifyReply): object {
    void reply.headers(PUBLIC_HEADERS).type('application/jwk-set+json');
    return this.keys.jwks();
  }
}
