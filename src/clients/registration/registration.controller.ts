import {
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken } from '../../common/auth/bearer-token';
import { InvalidRequestError } from '../../common/oauth-error';
import { AppConfig } from '../../config/app-config';
import { auditContext } from '../../events/audit-context';
import { RegistrationMetadataDto } from '../client-metadata.dto';
import { toClientView } from '../client.view';
import { TLS_CLIENT_AUTH_NAMES } from '../client.types';
import { RegistrationResponse, RegistrationService } from './registration.service';
import { ErrorShape } from '../../common/error-response';

@ApiTags('oauth: dynamic registration')
@ApiBearerAuth('bearer')
@ErrorShape('oauth')
@Controller('register')
export class RegistrationController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'RFC 7591 registration (REGISTRATION_MODE closed: 403; token: initial access token)',
  })
  @ApiBody({ type: RegistrationMetadataDto })
  @ApiCreatedResponse({ description: 'Client information response (RFC 7591 §3.2.1)' })
  async register(
    @Req() request: FastifyRequest,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    this.registration.authorizeRegistration(bearerToken(authorization));
    requireJson(request);
    const result = await this.registration.register(
      request.body,
      auditContext(request, { type: 'anonymous' }),
      request.ip,
    );
    void reply.status(201).header('cache-control', 'no-store');
    return this.describe(result);
  }

  @Get(':client_id')
  @ApiOperation({ summary: 'RFC 7592 read, with the registration access token' })
  @ApiOkResponse()
  async read(
    @Param('client_id') clientId: string,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const client = await this.registration.authenticate(clientId, bearerToken(authorization));
    void reply.header('cache-control', 'no-store');
    return this.describe({ client });
  }

  @Put(':client_id')
  @ApiOperation({ summary: 'RFC 7592 update: replaces the metadata' })
  @ApiBody({ type: RegistrationMetadataDto })
  @ApiOkResponse()
  async update(
    @Param('client_id') clientId: string,
    @Req() request: FastifyRequest,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const client = await this.registration.authenticate(clientId, bearerToken(authorization));
    requireJson(request);
    // RFC 7592: the client itself acts, with its registration access token.
    const result = await this.registration.replace(
      client,
      request.body,
      auditContext(request, { type: 'client', id: client.clientId }),
    );
    void reply.header('cache-control', 'no-store');
    return this.describe(result);
  }

  @Delete(':client_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'RFC 7592 delete' })
  @ApiNoContentResponse()
  async remove(
    @Param('client_id') clientId: string,
    @Headers('authorization') authorization: string | undefined,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    const client = await this.registration.authenticate(clientId, bearerToken(authorization));
    await this.registration.remove(
      client,
      auditContext(request, { type: 'client', id: client.clientId }),
    );
  }

  /** RFC 7591 §3.2.1 client information response. */
  private describe({
    client,
    secret,
    registrationAccessToken,
  }: RegistrationResponse): Record<string, unknown> {
    const view = toClientView(client, this.config.tokens.accessTokenLifetime);
    return {
      client_id: view.client_id,
      ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
      client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
      ...(registrationAccessToken ? { registration_access_token: registrationAccessToken } : {}),
      registration_client_uri: `${this.config.issuer}/register/${client.clientId}`,
      client_name: view.client_name,
      redirect_uris: view.redirect_uris,
      grant_types: view.grant_types,
      response_types: view.response_types,
      scope: view.scope,
      token_endpoint_auth_method: view.token_endpoint_auth_method,
      ...(view.token_endpoint_auth_signing_alg
        ? { token_endpoint_auth_signing_alg: view.token_endpoint_auth_signing_alg }
        : {}),
      ...(view.jwks_uri ? { jwks_uri: view.jwks_uri } : {}),
      ...(view.jwks ? { jwks: view.jwks } : {}),
      id_token_signed_response_alg: view.id_token_signed_response_alg,
      ...(view.post_logout_redirect_uris.length > 0
        ? { post_logout_redirect_uris: view.post_logout_redirect_uris }
        : {}),
      ...(view.require_pushed_authorization_requests
        ? { require_pushed_authorization_requests: true }
        : {}),
      // RFC 9449 §5.2: the default (false) is left out, as for the PAR flag.
      ...(view.dpop_bound_access_tokens ? { dpop_bound_access_tokens: true } : {}),
      // RFC 8705 §2.1.2: the one name a tls_client_auth certificate must carry.
      ...Object.fromEntries(
        TLS_CLIENT_AUTH_NAMES.filter((name) => view[name] !== null).map((name) => [
          name,
          view[name],
        ]),
      ),
      tls_client_certificate_bound_access_tokens: view.tls_client_certificate_bound_access_tokens,
    };
  }
}

/** RFC 7591 §3.1: the registration request is a JSON document. */
function requireJson(request: FastifyRequest): void {
  if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
    throw new InvalidRequestError('the registration request must be application/json');
  }
}
