import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiNotModifiedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { AppConfig } from '../config/app-config';
import { jwksMaxAge } from '../crypto/signing-algorithms';
import { SigningKeys } from '../crypto/signing-keys.service';
import { DiscoveryService } from './discovery.service';

/** Public metadata any origin may read (OIDC Discovery §4: CORS for every origin). */
const PUBLIC_HEADERS = {
  'access-control-allow-origin': '*',
  'cache-control': 'public, max-age=300',
};

/** RFC 9110 §13.1.2 If-None-Match, weak comparison: `*` or any listed tag equal to `etag`. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

@ApiTags('discovery')
@Controller()
export class DiscoveryController {
  /**
   * A rotated-in key is published KEY_PUBLISH_AHEAD seconds before it signs; a shared cache in
   * front of verifiers must not hold a set without it for longer than that allows (see
   * jwksMaxAge). /jwks stays cheap: served from memory, revalidated by ETag with a 304. Retired
   * keys leaving a day later are not urgent.
   */
  private readonly jwksHeaders: Record<string, string>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly keys: SigningKeys,
    config: AppConfig,
  ) {
    this.jwksHeaders = {
      'access-control-allow-origin': '*',
      'cache-control': `public, max-age=${jwksMaxAge(config.keys.publishAhead)}`,
    };
  }

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
  @ApiOkResponse({ description: 'Current keys and retired keys whose tokens may still be valid' })
  @ApiNotModifiedResponse({ description: 'If-None-Match names the current ETag' })
  jwks(
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): object | undefined {
    const { set, etag } = this.keys.jwks();
    void reply.headers({ ...this.jwksHeaders, etag });
    if (matches(ifNoneMatch, etag)) {
      void reply.code(304);
      return undefined;
    }
    void reply.type('application/jwk-set+json');
    return set;
  }
}
