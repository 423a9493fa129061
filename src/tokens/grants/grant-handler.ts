import { Client } from '../../clients/client';
import { GrantType } from '../../clients/client.types';
import { AuditContext } from '../../events/audit-context';
import { DpopProof } from '../dpop/dpop-proof';
import { TokenParams } from '../token-params';

/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  access_token: string;
  /** `DPoP` when the access token is bound to the proof's key (RFC 9449 §5). */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
}

/**
 * One grant type's work (fosite's one handler per grant). `context` says where the request came
 * from, for the audit events a grant records (code or refresh token reuse). `dpop` is the
 * request's verified DPoP proof, when it carried one: the tokens are bound to its key. `x5t` is
 * the client certificate's thumbprint when the tokens are bound to it (RFC 8705 §3).
 */
export interface GrantHandler {
  readonly grantType: GrantType;
  handle(
    client: Client,
    params: TokenParams,
    context?: AuditContext,
    dpop?: DpopProof,
    x5t?: string,
  ): Promise<TokenResponse>;
}

export const GRANT_HANDLERS = Symbol('GRANT_HANDLERS');
