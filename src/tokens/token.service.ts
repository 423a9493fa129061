import { Inject, Injectable, Optional } from '@nestjs/common';
import { Client } from '../clients/client';
import { GRANT_TYPES, GrantType } from '../clients/client.types';
import {
  InvalidRequestError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} from '../common/oauth-error';
import { AuditContext } from '../events/audit-context';
import { Metrics } from '../metrics/metrics';
import { DpopProof } from './dpop/dpop-proof';
import { GRANT_HANDLERS, GrantHandler, TokenResponse } from './grants/grant-handler';
import { param, TokenParams } from './token-params';

/**
 * The token endpoint pipeline after client authentication (node-oidc-provider
 * `lib/actions/token.js`): the grant must be supported, and allowed for this client; then its
 * handler does the work.
 */
@Injectable()
export class TokenService {
  private readonly handlers: Map<GrantType, GrantHandler>;

  constructor(
    @Inject(GRANT_HANDLERS) handlers: GrantHandler[],
    @Optional() private readonly metrics: Metrics = Metrics.off(),
  ) {
    this.handlers = new Map(handlers.map((handler) => [handler.grantType, handler]));
  }

  get supportedGrantTypes(): GrantType[] {
    return GRANT_TYPES.filter((grant) => this.handlers.has(grant));
  }

  async exchange(
    client: Client,
    request: TokenParams,
    context?: AuditContext,
    dpop?: DpopProof,
    x5t?: string,
  ): Promise<TokenResponse> {
    const grantType = param(request, 'grant_type');
    if (!grantType) throw new InvalidRequestError('grant_type is required');
    const handler = this.handlers.get(grantType as GrantType);
    if (!handler) throw new UnsupportedGrantTypeError(`grant_type ${grantType} is not supported`);
    if (!client.grantTypes.includes(handler.grantType)) {
      throw new UnauthorizedClientError(`the client is not allowed the ${grantType} grant`);
    }
    // RFC 9449 §5.2: a client registered with dpop_bound_access_tokens sends a proof with
    // every token request, whatever the grant; without one it is a request missing a required
    // part (RFC 6749 §5.2 invalid_request), not an invalid proof.
    if (client.dpopBoundAccessTokens && !dpop) {
      throw new InvalidRequestError(
        'this client must send a DPoP proof with every token request (dpop_bound_access_tokens)',
      );
    }
    const response = await handler.handle(client, request, context, dpop, x5t);
    // Both labels are bounded: the handler's own grant type and the registered client type.
    this.metrics.tokenIssued(handler.grantType, client.clientType);
    return response;
  }
}
