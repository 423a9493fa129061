import { ClientEntity } from '../../clients/client.entity';
import { GrantType } from '../../clients/client.types';
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

/** One grant type's work (fosite's one handler per grant). */
export interface GrantHandler {
  readonly grantType: GrantType;
  handle(client: ClientEntity, params: TokenParams): Promise<TokenResponse>;
}

export const GRANT_HANDLERS = Symbol('GRANT_HANDLERS');
