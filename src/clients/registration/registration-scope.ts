import { GrantType } from '../client.types';

/**
 * The scope of a client registered without RFC 7591 `scope`. OpenID Connect Dynamic Client
 * Registration 1.0 §2 has no such member, so an OpenID Connect relying party registers without
 * one and then asks for `openid`: it may use the OpenID Connect scopes Gatehouse offers (OIDC
 * Core §3.1.2.1 `openid`, §5.4 `profile` and `email`) when it has the authorization_code grant,
 * and §11 `offline_access` only with refresh_token. Never Gatehouse's own `iam:*` scopes, and
 * nothing at all for a client without authorization_code (client_credentials has no user).
 */
export function defaultRegistrationScope(grantTypes: readonly GrantType[] | undefined): string {
  // Without grant_types, RFC 7591 §2 defaults to authorization_code.
  const grants = grantTypes ?? ['authorization_code'];
  if (!grants.includes('authorization_code')) return '';
  const scopes = ['openid', 'profile', 'email'];
  if (grants.includes('refresh_token')) scopes.push('offline_access');
  return scopes.join(' ');
}
