import { applyDecorators, HttpCode, Post, Type, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBasicAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiOperationOptions,
  ApiProperty,
  ApiResponseOptions,
  ApiServiceUnavailableResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ClientAuthGuard } from './client-auth.guard';
import { TokenRequestGuard } from './form-request.guard';

/** RFC 6749 §5.2 error response. */
export class OAuthErrorSchema {
  @ApiProperty() error: string;
  @ApiProperty() error_description: string;
}

/** How one client-authenticated endpoint describes itself beyond what they all share. */
export interface ClientAuthenticatedEndpointDoc {
  operation: ApiOperationOptions;
  /** The form's schema (client authentication parameters included). */
  body: Type<unknown>;
  ok: ApiResponseOptions;
  /** What a 400 means here, when there is more to say than an RFC 6749 §5.2 error. */
  badRequest?: string;
  /** What a 503 means here, for endpoints that can answer one. */
  unavailable?: string;
  /** The success status: 200 unless the endpoint creates something (/par: 201, RFC 9126 §2.2). */
  status?: 200 | 201;
}

/**
 * `POST` on an endpoint where a client authenticates (RFC 6749 §2.3): /token, /introspect,
 * /revoke and /par (RFC 9126 §2). The form must be application/x-www-form-urlencoded without repeated parameters
 * (TokenRequestGuard, RFC 6749 §3.2), then the client authenticates by the one method it presents
 * (ClientAuthGuard: the authenticated client lands on `request.client`); 200 (or `status`), RFC
 * 6749 §5.2 errors otherwise. Documented alike: the form, Basic authentication, 400 and 401.
 */
export function ClientAuthenticatedEndpoint(doc: ClientAuthenticatedEndpointDoc): MethodDecorator {
  return applyDecorators(
    Post(),
    HttpCode(doc.status ?? 200),
    UseGuards(TokenRequestGuard, ClientAuthGuard),
    ApiOperation(doc.operation),
    ApiConsumes('application/x-www-form-urlencoded'),
    ApiBody({ type: doc.body }),
    ApiBasicAuth('client_secret_basic'),
    doc.status === 201 ? ApiCreatedResponse(doc.ok) : ApiOkResponse(doc.ok),
    ApiBadRequestResponse({
      type: OAuthErrorSchema,
      ...(doc.badRequest !== undefined ? { description: doc.badRequest } : {}),
    }),
    ApiUnauthorizedResponse({ type: OAuthErrorSchema, description: 'invalid_client' }),
    ...(doc.unavailable !== undefined
      ? [ApiServiceUnavailableResponse({ type: OAuthErrorSchema, description: doc.unavailable })]
      : []),
  );
}
