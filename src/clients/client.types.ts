export const CLIENT_TYPES = ['public', 'confidential', 'm2m'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

export const GRANT_TYPES = ['authorization_code', 'client_credentials', 'refresh_token'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export const RESPONSE_TYPES = ['code'] as const;

export const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'client_secret_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
] as const;
export type TokenEndpointAuthMethod = (typeof AUTH_METHODS)[number];
export const SECRET_AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
];

/** RFC 8705 §2: the methods where the client proves itself with its TLS certificate. */
export const MTLS_AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  'tls_client_auth',
  'self_signed_tls_client_auth',
];

/**
 * RFC 8705 §2.1.2: the metadata naming the one subject a tls_client_auth certificate must have,
 * client metadata name and the SAN type it is compared with (null: the subject DN).
 */
export const TLS_CLIENT_AUTH_NAMES = [
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
] as const;
export type TlsClientAuthName = (typeof TLS_CLIENT_AUTH_NAMES)[number];

/** private_key_jwt: asymmetric JWS algorithms only (RFC 7518 §3.1, RFC 8037): never `none`, never HS*. */
export const PRIVATE_KEY_JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** client_secret_jwt (RFC 7523 §2.2, OIDC Core §9): HMAC keyed with the client secret only. */
export const CLIENT_SECRET_JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512'];

/** Every `token_endpoint_auth_signing_alg` a client may register. */
export const ASSERTION_SIGNING_ALGORITHMS = [
  ...PRIVATE_KEY_JWT_ALGORITHMS,
  ...CLIENT_SECRET_JWT_ALGORITHMS,
];

export const CLIENT_STATUSES = ['active', 'disabled'] as const;
export type ClientStatus = (typeof CLIENT_STATUSES)[number];
