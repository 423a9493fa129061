import { Attributes } from '../common/attributes';
import { IdTokenAlgorithm } from '../crypto/signing-algorithms';
import { ClientStatus, ClientType, GrantType, TokenEndpointAuthMethod } from './client.types';

/**
 * A registered client as other modules see it: a plain snapshot taken when it was read, never
 * the stored row, and never a secret, its hash or the client's keys.
 */
export interface Client {
  readonly clientId: string;
  readonly clientName: string;
  readonly clientType: ClientType;
  readonly redirectUris: string[];
  readonly grantTypes: GrantType[];
  readonly responseTypes: string[];
  readonly scopes: string[];
  readonly audience: string[];
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** OIDC Dynamic Client Registration §2: the JWS algorithm of this client's ID tokens. */
  readonly idTokenSignedResponseAlg: IdTokenAlgorithm;
  /** OIDC RP-Initiated Logout §3.1: where the browser may go after signing out. */
  readonly postLogoutRedirectUris: string[];
  readonly alwaysIssueRefreshToken: boolean;
  /** RFC 9126 §6: a direct /authorize is refused; requests come through /par. */
  readonly requirePushedAuthorizationRequests: boolean;
  /** RFC 9449 §5.2: every token request of this client carries a DPoP proof. */
  readonly dpopBoundAccessTokens: boolean;
  readonly allowedCorsOrigins: string[];
  /** Seconds; null for the configured default. */
  readonly accessTokenLifetime: number | null;
  /** Seconds; null for the configured default. */
  readonly refreshTokenLifetime: number | null;
  readonly status: ClientStatus;
  /** Tokens issued before this instant are dead even if the client is active again. */
  readonly tokensValidAfter: Date | null;
  /** RFC 8705 §3.4: access tokens are bound to the certificate presented at /token. */
  readonly tlsClientCertificateBoundAccessTokens: boolean;
}

/**
 * A client with what it authenticates with (RFC 6749 §2.3, RFC 7523 §2.2): read only by the
 * clients module's own client authentication, which hands the others a `Client`.
 */
export interface RegisteredClient extends Client {
  readonly secretHash: string | null;
  /** RFC 7591 §2 secret rotation grace: the previous secret's hash, valid until the time below. */
  readonly previousSecretHash: string | null;
  readonly previousSecretExpiresAt: Date | null;
  /** client_secret_jwt: the secret, and the previous one in its grace, under the KEK. */
  readonly secretEncrypted: string | null;
  readonly previousSecretEncrypted: string | null;
  /** RFC 7591 §2 token_endpoint_auth_signing_alg; null: any of the method's algorithms. */
  readonly tokenEndpointAuthSigningAlg: string | null;
  readonly jwksUri: string | null;
  readonly jwks: { keys: Record<string, unknown>[] } | null;
  /** RFC 8705 §2.1.2: the certificate subject of a tls_client_auth client (one of the five). */
  readonly tlsClientAuthSubjectDn: string | null;
  readonly tlsClientAuthSanDns: string | null;
  readonly tlsClientAuthSanUri: string | null;
  readonly tlsClientAuthSanIp: string | null;
  readonly tlsClientAuthSanEmail: string | null;
}

/** What the decision engine keeps of a client (docs/access.md). */
export interface ClientStanding {
  readonly clientId: string;
  readonly active: boolean;
  /** Epoch ms; tokens issued before it are dead. */
  readonly tokensValidAfter: number | null;
  /** Frozen; the one shared empty object when `{}`. */
  readonly attributes: Attributes;
  /** The `iam:*` scopes it is registered for (docs/security/privilege.md). */
  readonly gatehouseScopes: readonly string[];
}

/** A snapshot of a stored client (or of another snapshot), taken once when it is read. */
export function registeredClient(from: RegisteredClient): RegisteredClient {
  return {
    clientId: from.clientId,
    clientName: from.clientName,
    clientType: from.clientType,
    redirectUris: from.redirectUris,
    grantTypes: from.grantTypes,
    responseTypes: from.responseTypes,
    scopes: from.scopes,
    audience: from.audience,
    tokenEndpointAuthMethod: from.tokenEndpointAuthMethod,
    idTokenSignedResponseAlg: from.idTokenSignedResponseAlg,
    postLogoutRedirectUris: from.postLogoutRedirectUris,
    alwaysIssueRefreshToken: from.alwaysIssueRefreshToken,
    requirePushedAuthorizationRequests: from.requirePushedAuthorizationRequests,
    dpopBoundAccessTokens: from.dpopBoundAccessTokens,
    allowedCorsOrigins: from.allowedCorsOrigins,
    accessTokenLifetime: from.accessTokenLifetime,
    refreshTokenLifetime: from.refreshTokenLifetime,
    status: from.status,
    tokensValidAfter: from.tokensValidAfter,
    tlsClientCertificateBoundAccessTokens: from.tlsClientCertificateBoundAccessTokens,
    secretHash: from.secretHash,
    previousSecretHash: from.previousSecretHash,
    previousSecretExpiresAt: from.previousSecretExpiresAt,
    secretEncrypted: from.secretEncrypted,
    previousSecretEncrypted: from.previousSecretEncrypted,
    tokenEndpointAuthSigningAlg: from.tokenEndpointAuthSigningAlg,
    jwksUri: from.jwksUri,
    jwks: from.jwks,
    tlsClientAuthSubjectDn: from.tlsClientAuthSubjectDn,
    tlsClientAuthSanDns: from.tlsClientAuthSanDns,
    tlsClientAuthSanUri: from.tlsClientAuthSanUri,
    tlsClientAuthSanIp: from.tlsClientAuthSanIp,
    tlsClientAuthSanEmail: from.tlsClientAuthSanEmail,
  };
}
