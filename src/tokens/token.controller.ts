import { Controller, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { auditContext } from '../events/audit-context';
import { ClientAuthenticatedEndpoint } from './client-authenticated-endpoint';
import { DpopRequestKeys } from './dpop/dpop-request-key';
import { TokenResponse } from './grants/grant-handler';
import { TokenParams } from './token-params';
import { TokenService } from './token.service';
import { ErrorShape } from '../common/error-response';
import { ClientCertificateReader } from '../common/http/client-certificate';
import { certificateBinding } from './certificate-binding';

class TokenRequestSchema {
  @ApiProperty({ enum: ['authorization_code', 'refresh_token', 'client_credentials'] })
  grant_type: string;
  @ApiPropertyOptional({ description: 'authorization_code: the code from /authorize' })
  code?: string;
  @ApiPropertyOptional({ description: 'authorization_code: as sent to /authorize' })
  redirect_uri?: string;
  @ApiPropertyOptional({ description: 'authorization_code: the PKCE verifier (RFC 7636)' })
  code_verifier?: string;
  @ApiPropertyOptional({ description: 'refresh_token: the refresh token (it is rotated)' })
  refresh_token?: string;
  @ApiPropertyOptional({
    description: "Space-separated; default: the client's registered scopes (refresh: the grant's)",
  })
  scope?: string;
  @ApiPropertyOptional({ description: 'RFC 8707 resource indicator (repeatable)' })
  resource?: string;
  @ApiPropertyOptional({
    description:
      'client_secret_post; none for a public client; tls_client_auth and ' +
      'self_signed_tls_client_auth, whose credential is the TLS client certificate (RFC 8705 §2)',
  })
  client_id?: string;
  @ApiPropertyOptional({ description: 'client_secret_post only' }) client_secret?: string;
  @ApiPropertyOptional({
    description: 'private_key_jwt: urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  })
  client_assertion_type?: string;
  @ApiPropertyOptional({ description: 'private_key_jwt: the signed assertion (RFC 7523)' })
  client_assertion?: string;
}

class TokenResponseSchema {
  @ApiProperty() access_token: string;
  @ApiProperty({ enum: ['Bearer', 'DPoP'], description: 'DPoP when sent with a DPoP proof' })
  token_type: string;
  @ApiProperty() expires_in: number;
  @ApiProperty() scope: string;
  @ApiPropertyOptional({ description: 'authorization_code and refresh_token grants' })
  refresh_token?: string;
  @ApiPropertyOptional({ description: 'authorization_code with scope openid (OIDC Core §3.1.3.3)' })
  id_token?: string;
}

@ApiTags('oauth')
@ErrorShape('oauth')
@Controller('token')
export class TokenController {
  constructor(
    private readonly tokens: TokenService,
    private readonly dpop: DpopRequestKeys,
    private readonly certificates: ClientCertificateReader,
  ) {}

  @ClientAuthenticatedEndpoint({
    operation: { summary: 'RFC 6749 §3.2 token endpoint' },
    body: TokenRequestSchema,
    ok: { type: TokenResponseSchema },
  })
  @ApiHeader({
    name: 'DPoP',
    required: false,
    description:
      'RFC 9449 proof for POST /token: binds the tokens to its key (required for ' +
      'dpop_bound_access_tokens clients; with DPOP_NONCE=required it carries the DPoP-Nonce)',
  })
  async token(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    // RFC 6749 §5.1: token responses are never cached. RFC 9449 §8.2: while nonces are
    // required, every answer carries the current one.
    void reply.headers({
      'cache-control': 'no-store',
      pragma: 'no-cache',
      ...this.dpop.nonceHeader(),
    });
    const client = request.client!;
    // RFC 9449 §5: a DPoP proof binds the tokens to its key.
    const proof = await this.dpop.proofOf(request, '/token');
    // RFC 8705 §3: a client that asked for certificate-bound tokens gets them bound to the
    // certificate it presents now, whatever its authentication method.
    const x5t = certificateBinding(client, () => this.certificates.read(request.raw));
    return this.tokens.exchange(
      client,
      request.body as TokenParams,
      auditContext(request, { type: 'client', id: client.clientId }),
      proof,
      x5t,
    );
  }
}
