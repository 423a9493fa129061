import { Client } from '../../clients/client';
import { GrantType } from '../../clients/client.types';
import { AuditContext } from '../../events/audit-context';
import { TokenParams } from '../token-params';

/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
}

/**
 * One grant type's work (fosite's one handler per grant). `context` says where the request came
 * from, for the audit events a grant records (code or refresh token reuse).
 */
export interface GrantHandler {
  readonly grantType: GrantType;
  handle(client: Client, params: TokenParams, context?: AuditContext): Promise<TokenResponse>;
}

export const GRANT_HANDLERS = Symbol('GRANT_HANDLERS');
