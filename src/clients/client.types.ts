export const CLIENT_TYPES = ['public', 'confidential', 'm2m'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

export const GRANT_TYPES = ['authorization_code', 'client_credentials', 'refresh_token'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export const RESPONSE_TYPES = ['code'] as const;

export const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
] as const;
export type TokenEndpointAuthMethod = (typeof AUTH_METHODS)[number];
export const SECRET_AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
];

export const CLIENT_STATUSES = ['active', 'disabled'] as const;
export type ClientStatus = (typeof CLIENT_STATUSES)[number];
