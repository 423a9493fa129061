import { FieldProblem } from '../../api';
import { linesOf } from '../../components/format';

/** A client as GET /admin/clients/{client_id} answers (docs/endpoints.md, Admin API). */
export interface ClientView {
  client_id: string;
  client_name: string;
  client_type: ClientType;
  redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  scope: string;
  audience: string[];
  token_endpoint_auth_method: string;
  token_endpoint_auth_signing_alg: string | null;
  jwks_uri: string | null;
  jwks: object | null;
  allowed_cors_origins: string[];
  id_token_signed_response_alg: string;
  post_logout_redirect_uris: string[];
  always_issue_refresh_token: boolean;
  require_pushed_authorization_requests: boolean;
  dpop_bound_access_tokens: boolean;
  access_token_lifetime: number;
  refresh_token_lifetime: number | null;
  status: 'active' | 'disabled';
  tls_client_auth_subject_dn: string | null;
  tls_client_auth_san_dns: string | null;
  tls_client_auth_san_uri: string | null;
  tls_client_auth_san_ip: string | null;
  tls_client_auth_san_email: string | null;
  tls_client_certificate_bound_access_tokens: boolean;
  attributes: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

/** The creation answer: the secret is in it this once, for clients that have one. */
export interface CreatedClient extends ClientView {
  client_secret?: string;
}

export type ClientType = 'public' | 'confidential' | 'm2m';

/** The methods a confidential or machine-to-machine client may authenticate with. */
export const AUTH_METHODS: { value: string; label: string }[] = [
  { value: 'client_secret_basic', label: 'client_secret_basic (secret in the Basic header)' },
  { value: 'client_secret_post', label: 'client_secret_post (secret in the form body)' },
  { value: 'client_secret_jwt', label: 'client_secret_jwt (JWT signed with the secret)' },
  { value: 'private_key_jwt', label: 'private_key_jwt (JWT signed with the client’s key)' },
  { value: 'tls_client_auth', label: 'tls_client_auth (certificate from a trusted CA)' },
  {
    value: 'self_signed_tls_client_auth',
    label: 'self_signed_tls_client_auth (self-signed certificate)',
  },
];

export const SECRET_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'];
const KEY_METHODS = ['private_key_jwt', 'self_signed_tls_client_auth'];
const ASSERTION_ALGS: Record<string, string[]> = {
  client_secret_jwt: ['HS256', 'HS384', 'HS512'],
  private_key_jwt: [
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
  ],
};

/** RFC 8705 §2.1.2: the certificate names of tls_client_auth (exactly one is set). */
export const TLS_NAMES: { field: TlsName; label: string; hint: string }[] = [
  {
    field: 'tls_client_auth_subject_dn',
    label: 'Certificate subject DN',
    hint: 'RFC 4514, e.g. CN=client-a,O=Example',
  },
  { field: 'tls_client_auth_san_dns', label: 'Certificate DNS name (SAN)', hint: '' },
  { field: 'tls_client_auth_san_uri', label: 'Certificate URI (SAN)', hint: '' },
  { field: 'tls_client_auth_san_ip', label: 'Certificate IP address (SAN)', hint: '' },
  { field: 'tls_client_auth_san_email', label: 'Certificate email (SAN)', hint: '' },
];
export type TlsName =
  | 'tls_client_auth_subject_dn'
  | 'tls_client_auth_san_dns'
  | 'tls_client_auth_san_uri'
  | 'tls_client_auth_san_ip'
  | 'tls_client_auth_san_email';

/** What the client form edits, as text the way the person types it. */
export interface ClientForm {
  client_type: ClientType;
  client_name: string;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  grant_types: string[];
  token_endpoint_auth_method: string;
  token_endpoint_auth_signing_alg: string;
  jwks_uri: string;
  jwks: string;
  tls: Record<TlsName, string>;
  tls_client_certificate_bound_access_tokens: boolean;
  scope: string;
  audience: string;
  allowed_cors_origins: string;
  access_token_lifetime: string;
  refresh_token_lifetime: string;
}

export function emptyForm(): ClientForm {
  return {
    client_type: 'confidential',
    client_name: '',
    redirect_uris: '',
    post_logout_redirect_uris: '',
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic',
    token_endpoint_auth_signing_alg: '',
    jwks_uri: '',
    jwks: '',
    tls: {
      tls_client_auth_subject_dn: '',
      tls_client_auth_san_dns: '',
      tls_client_auth_san_uri: '',
      tls_client_auth_san_ip: '',
      tls_client_auth_san_email: '',
    },
    tls_client_certificate_bound_access_tokens: false,
    scope: '',
    audience: '',
    allowed_cors_origins: '',
    access_token_lifetime: '',
    refresh_token_lifetime: '',
  };
}

export function formOf(client: ClientView): ClientForm {
  return {
    client_type: client.client_type,
    client_name: client.client_name,
    redirect_uris: client.redirect_uris.join('\n'),
    post_logout_redirect_uris: client.post_logout_redirect_uris.join('\n'),
    grant_types: client.grant_types,
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    token_endpoint_auth_signing_alg: client.token_endpoint_auth_signing_alg ?? '',
    jwks_uri: client.jwks_uri ?? '',
    jwks: client.jwks ? JSON.stringify(client.jwks, null, 2) : '',
    tls: {
      tls_client_auth_subject_dn: client.tls_client_auth_subject_dn ?? '',
      tls_client_auth_san_dns: client.tls_client_auth_san_dns ?? '',
      tls_client_auth_san_uri: client.tls_client_auth_san_uri ?? '',
      tls_client_auth_san_ip: client.tls_client_auth_san_ip ?? '',
      tls_client_auth_san_email: client.tls_client_auth_san_email ?? '',
    },
    tls_client_certificate_bound_access_tokens: client.tls_client_certificate_bound_access_tokens,
    scope: client.scope,
    audience: client.audience.join('\n'),
    allowed_cors_origins: client.allowed_cors_origins.join('\n'),
    access_token_lifetime: String(client.access_token_lifetime),
    refresh_token_lifetime:
      client.refresh_token_lifetime === null ? '' : String(client.refresh_token_lifetime),
  };
}

/** Which parts of the form the chosen type and method call for. */
export function shape(form: ClientForm) {
  const type = form.client_type;
  const method = type === 'public' ? 'none' : form.token_endpoint_auth_method;
  return {
    method,
    redirects: type !== 'm2m',
    grants: type === 'public' ? ['authorization_code', 'refresh_token'] : GRANTS,
    keys: KEY_METHODS.includes(method),
    tlsNames: method === 'tls_client_auth',
    mtls: method === 'tls_client_auth' || method === 'self_signed_tls_client_auth',
    algorithms: ASSERTION_ALGS[method] ?? [],
    secret: SECRET_METHODS.includes(method),
  };
}

const GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'];

/**
 * The admin API body for `form` (RFC 7591 names), or the problems found before sending (a
 * JWK Set that is not JSON, a lifetime that is not a number). `editing` clears fields the
 * chosen method no longer uses (null), where a create leaves them out.
 */
export function bodyOf(
  form: ClientForm,
  editing: boolean,
): { body: Record<string, unknown> } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const parts = shape(form);
  const grants =
    form.client_type === 'm2m'
      ? ['client_credentials']
      : form.grant_types.filter((grant) => parts.grants.includes(grant));
  const body: Record<string, unknown> = {
    client_name: form.client_name.trim(),
    client_type: form.client_type,
    redirect_uris: parts.redirects ? linesOf(form.redirect_uris) : [],
    post_logout_redirect_uris: parts.redirects ? linesOf(form.post_logout_redirect_uris) : [],
    grant_types: grants,
    response_types: grants.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: parts.method,
    scope: form.scope.trim().split(/\s+/).filter(Boolean).join(' '),
    audience: linesOf(form.audience),
    allowed_cors_origins: form.client_type === 'm2m' ? [] : linesOf(form.allowed_cors_origins),
  };
  const optional = (name: string, value: unknown) => {
    if (value !== undefined && value !== '') body[name] = value;
    else if (editing) body[name] = null;
  };
  optional(
    'token_endpoint_auth_signing_alg',
    parts.algorithms.length > 0 ? form.token_endpoint_auth_signing_alg : undefined,
  );
  optional('jwks_uri', parts.keys ? form.jwks_uri.trim() : undefined);
  let jwks: unknown;
  if (parts.keys && form.jwks.trim() !== '') {
    try {
      jwks = JSON.parse(form.jwks);
    } catch {
      problems.push({ field: 'jwks', problem: 'is not valid JSON' });
    }
  }
  optional('jwks', jwks);
  for (const name of TLS_NAMES)
    optional(name.field, parts.tlsNames ? form.tls[name.field].trim() : undefined);
  body.tls_client_certificate_bound_access_tokens =
    parts.mtls && form.tls_client_certificate_bound_access_tokens;
  for (const name of ['access_token_lifetime', 'refresh_token_lifetime'] as const) {
    const text = form[name].trim();
    if (text === '') continue;
    if (name === 'refresh_token_lifetime' && !grants.includes('refresh_token')) continue;
    if (!/^\d+$/.test(text)) problems.push({ field: name, problem: 'must be a whole number' });
    else body[name] = Number(text);
  }
  return problems.length > 0 ? { problems } : { body };
}

/** The form's fields, for telling whether an API error names one of them. */
export const CLIENT_FIELDS = [
  'client_name',
  'client_type',
  'redirect_uris',
  'post_logout_redirect_uris',
  'grant_types',
  'response_types',
  'token_endpoint_auth_method',
  'token_endpoint_auth_signing_alg',
  'jwks_uri',
  'jwks',
  ...TLS_NAMES.map((name) => name.field),
  'tls_client_certificate_bound_access_tokens',
  'scope',
  'audience',
  'allowed_cors_origins',
  'access_token_lifetime',
  'refresh_token_lifetime',
];
