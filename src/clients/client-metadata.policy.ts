import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { FieldProblem } from '../common/api-error';
import { attributesProblems } from '../common/attributes';
import { parseScope } from '../common/auth/scope-syntax';
import { IdTokenAlgorithm } from '../crypto/signing-algorithms';
import { ClientMetadataDto } from './client-metadata.dto';
import { ClientEntity } from './client.entity';
import {
  CLIENT_SECRET_JWT_ALGORITHMS,
  ClientStatus,
  ClientType,
  GrantType,
  PRIVATE_KEY_JWT_ALGORITHMS,
  SECRET_AUTH_METHODS,
  TLS_CLIENT_AUTH_NAMES,
  TlsClientAuthName,
  TokenEndpointAuthMethod,
} from './client.types';
import { hasControl, parseDistinguishedName } from './client-auth/distinguished-name';
import {
  jwksUriProblem,
  originProblem,
  redirectUriProblem,
  resourceUriProblem,
} from './redirect-uri.policy';

/** Every client field that metadata decides, resolved to concrete values. */
export interface ClientMetadata {
  clientName: string;
  clientType: ClientType;
  redirectUris: string[];
  grantTypes: GrantType[];
  responseTypes: string[];
  scopes: string[];
  audience: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** RFC 7591 §2 token_endpoint_auth_signing_alg; null: any of the method's algorithms. */
  tokenEndpointAuthSigningAlg: string | null;
  jwksUri: string | null;
  jwks: { keys: Record<string, unknown>[] } | null;
  allowedCorsOrigins: string[];
  idTokenSignedResponseAlg: IdTokenAlgorithm;
  postLogoutRedirectUris: string[];
  alwaysIssueRefreshToken: boolean;
  requirePushedAuthorizationRequests: boolean;
  dpopBoundAccessTokens: boolean;
  accessTokenLifetime: number | null;
  refreshTokenLifetime: number | null;
  status: ClientStatus;
  /** RFC 8705 §2.1.2: what a tls_client_auth certificate must name (exactly one is set). */
  tlsClientAuthSubjectDn: string | null;
  tlsClientAuthSanDns: string | null;
  tlsClientAuthSanUri: string | null;
  tlsClientAuthSanIp: string | null;
  tlsClientAuthSanEmail: string | null;
  /** RFC 8705 §3.4. */
  tlsClientCertificateBoundAccessTokens: boolean;
  /** Admin-set (docs/access.md, Attributes). */
  attributes: Record<string, unknown>;
}

/** The ClientMetadata member of each RFC 8705 §2.1.2 name. */
export const TLS_CLIENT_AUTH_MEMBERS: Record<
  TlsClientAuthName,
  | 'tlsClientAuthSubjectDn'
  | 'tlsClientAuthSanDns'
  | 'tlsClientAuthSanUri'
  | 'tlsClientAuthSanIp'
  | 'tlsClientAuthSanEmail'
> = {
  tls_client_auth_subject_dn: 'tlsClientAuthSubjectDn',
  tls_client_auth_san_dns: 'tlsClientAuthSanDns',
  tls_client_auth_san_uri: 'tlsClientAuthSanUri',
  tls_client_auth_san_ip: 'tlsClientAuthSanIp',
  tls_client_auth_san_email: 'tlsClientAuthSanEmail',
};

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function deriveType(input: ClientMetadataDto, base?: ClientMetadata): ClientType {
  if (input.client_type) return input.client_type;
  if (base && input.token_endpoint_auth_method === undefined && input.grant_types === undefined) {
    return base.clientType;
  }
  // A client that keeps `none` stays public: adding a grant must not make it confidential.
  if ((input.token_endpoint_auth_method ?? base?.tokenEndpointAuthMethod) === 'none') {
    return 'public';
  }
  const grants = input.grant_types ?? base?.grantTypes;
  if (grants && grants.length === 1 && grants[0] === 'client_credentials') return 'm2m';
  return 'confidential';
}

function defaultGrants(type: ClientType): GrantType[] {
  return type === 'm2m' ? ['client_credentials'] : ['authorization_code'];
}

function defaultAuthMethod(type: ClientType): TokenEndpointAuthMethod {
  return type === 'public' ? 'none' : 'client_secret_basic';
}

/**
 * Merges `input` over `base` (the stored client, for updates) and fills type-specific defaults.
 * Fields the input leaves out keep their stored value, unless the type changed and the old value
 * no longer fits the new type.
 */
export function resolveClientMetadata(
  input: ClientMetadataDto,
  base?: ClientMetadata,
): ClientMetadata {
  const clientType = deriveType(input, base);
  const typeChanged = base !== undefined && base.clientType !== clientType;
  const keep = <T>(value: T | undefined, stored: T | undefined, fallback: T): T =>
    value !== undefined ? value : stored !== undefined && !typeChanged ? stored : fallback;

  const tokenEndpointAuthMethod = keep(
    input.token_endpoint_auth_method,
    base?.tokenEndpointAuthMethod,
    defaultAuthMethod(clientType),
  );
  // A new method starts without the old one's algorithm, unless the input names one.
  const tokenEndpointAuthSigningAlg =
    input.token_endpoint_auth_signing_alg !== undefined
      ? (input.token_endpoint_auth_signing_alg ?? null)
      : base?.tokenEndpointAuthMethod === tokenEndpointAuthMethod
        ? (base?.tokenEndpointAuthSigningAlg ?? null)
        : null;
  // RFC 8705 §2.1.2 names belong to tls_client_auth: a client leaving it drops them, unless the
  // input names them (and is then told they do not fit).
  const tlsName = (name: TlsClientAuthName): string | null => {
    const given = input[name];
    if (given !== undefined) return given ?? null;
    return tokenEndpointAuthMethod === 'tls_client_auth'
      ? (base?.[TLS_CLIENT_AUTH_MEMBERS[name]] ?? null)
      : null;
  };
  const grantTypes = keep(input.grant_types, base?.grantTypes, defaultGrants(clientType));
  const usesCode = grantTypes.includes('authorization_code');
  return {
    clientName: input.client_name ?? base?.clientName ?? 'Unnamed client',
    clientType,
    redirectUris: input.redirect_uris ?? base?.redirectUris ?? [],
    grantTypes,
    responseTypes: keep(input.response_types, base?.responseTypes, usesCode ? ['code'] : []),
    // input.scope was validated as a scope or empty (ClientMetadataDto).
    scopes: input.scope !== undefined ? (parseScope(input.scope) ?? []) : (base?.scopes ?? []),
    audience: input.audience ?? base?.audience ?? [],
    tokenEndpointAuthMethod,
    tokenEndpointAuthSigningAlg,
    jwksUri: input.jwks_uri !== undefined ? input.jwks_uri : (base?.jwksUri ?? null),
    jwks: input.jwks !== undefined ? input.jwks : (base?.jwks ?? null),
    allowedCorsOrigins: input.allowed_cors_origins ?? base?.allowedCorsOrigins ?? [],
    idTokenSignedResponseAlg:
      input.id_token_signed_response_alg ?? base?.idTokenSignedResponseAlg ?? 'RS256',
    postLogoutRedirectUris: input.post_logout_redirect_uris ?? base?.postLogoutRedirectUris ?? [],
    alwaysIssueRefreshToken:
      input.always_issue_refresh_token ?? base?.alwaysIssueRefreshToken ?? false,
    requirePushedAuthorizationRequests:
      input.require_pushed_authorization_requests ??
      base?.requirePushedAuthorizationRequests ??
      false,
    dpopBoundAccessTokens: input.dpop_bound_access_tokens ?? base?.dpopBoundAccessTokens ?? false,
    accessTokenLifetime: input.access_token_lifetime ?? base?.accessTokenLifetime ?? null,
    refreshTokenLifetime: input.refresh_token_lifetime ?? base?.refreshTokenLifetime ?? null,
    status: input.status ?? base?.status ?? 'active',
    tlsClientAuthSubjectDn: tlsName('tls_client_auth_subject_dn'),
    tlsClientAuthSanDns: tlsName('tls_client_auth_san_dns'),
    tlsClientAuthSanUri: tlsName('tls_client_auth_san_uri'),
    tlsClientAuthSanIp: tlsName('tls_client_auth_san_ip'),
    tlsClientAuthSanEmail: tlsName('tls_client_auth_san_email'),
    tlsClientCertificateBoundAccessTokens:
      input.tls_client_certificate_bound_access_tokens ??
      base?.tlsClientCertificateBoundAccessTokens ??
      false,
    attributes: input.attributes ?? base?.attributes ?? {},
  };
}

/** RFC 7517 §5: a JWK Set of public asymmetric keys; also applied to sets fetched from jwks_uri. */
export function jwksProblems(jwks: { keys?: unknown }): string | undefined {
  if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) {
    return 'must be a JWK Set with a non-empty "keys" array (RFC 7517 §5)';
  }
  if (jwks.keys.length > 20) return 'must hold at most 20 keys';
  for (const key of jwks.keys as unknown[]) {
    if (
      typeof key !== 'object' ||
      key === null ||
      typeof (key as { kty?: unknown }).kty !== 'string'
    ) {
      return 'every key must be a JWK object with "kty"';
    }
    const kty = (key as { kty: string }).kty;
    if (!['RSA', 'EC', 'OKP'].includes(kty)) return `key type ${kty} is not an asymmetric key type`;
    if (PRIVATE_JWK_MEMBERS.some((member) => member in key)) {
      return 'must contain public keys only; private key members are not accepted';
    }
  }
  return undefined;
}

/** Settings that relax a rule; the caller reads them from the configuration. */
export interface MetadataRules {
  /** JWKS_URI_ALLOW_PRIVATE (development): jwks_uri may point at private hosts, over http too. */
  jwksUriAllowPrivate: boolean;
}

/** The rules every client must satisfy, each failure naming its field. */
export function clientMetadataProblems(
  client: ClientMetadata,
  rules: MetadataRules = { jwksUriAllowPrivate: false },
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (field: string, problem: string) => problems.push({ field, problem });
  const { clientType: type, grantTypes, tokenEndpointAuthMethod: method } = client;

  client.redirectUris.forEach((uri, i) => {
    const problem = redirectUriProblem(uri);
    if (problem) add(`redirect_uris[${i}]`, problem);
  });
  client.audience.forEach((aud, i) => {
    const problem = resourceUriProblem(aud);
    if (problem) add(`audience[${i}]`, problem);
  });
  problems.push(...attributesProblems(client.attributes));
  client.allowedCorsOrigins.forEach((origin, i) => {
    const problem = originProblem(origin);
    if (problem) add(`allowed_cors_origins[${i}]`, problem);
  });
  client.postLogoutRedirectUris.forEach((uri, i) => {
    const problem = redirectUriProblem(uri);
    if (problem) add(`post_logout_redirect_uris[${i}]`, problem);
  });
  if (client.alwaysIssueRefreshToken && !client.grantTypes.includes('refresh_token')) {
    add('always_issue_refresh_token', 'needs the refresh_token grant');
  }

  if (type === 'public') {
    if (method !== 'none') add('token_endpoint_auth_method', 'public clients must use none');
    if (grantTypes.includes('client_credentials')) {
      add('grant_types', 'public clients may not use client_credentials');
    }
  } else if (method === 'none') {
    add(
      'token_endpoint_auth_method',
      `${type} clients must authenticate; none is for public clients`,
    );
  }
  if (type === 'm2m') {
    if (grantTypes.length !== 1 || grantTypes[0] !== 'client_credentials') {
      add('grant_types', 'm2m clients have only client_credentials');
    }
    if (client.redirectUris.length > 0) add('redirect_uris', 'm2m clients have no redirect URIs');
  }
  if (grantTypes.length === 0) add('grant_types', 'must name at least one grant type');

  const usesCode = grantTypes.includes('authorization_code');
  if (usesCode && client.redirectUris.length === 0) {
    add('redirect_uris', 'authorization_code needs at least one redirect URI');
  }
  if (grantTypes.includes('refresh_token') && !usesCode) {
    add('grant_types', 'refresh_token needs authorization_code');
  }
  if (client.responseTypes.includes('code') !== usesCode) {
    add(
      'response_types',
      'response type code goes with, and only with, the authorization_code grant',
    );
  }

  if (client.jwks && client.jwksUri) add('jwks', 'jwks and jwks_uri may not both be set');
  if (client.jwks) {
    const problem = jwksProblems(client.jwks);
    if (problem) add('jwks', problem);
  }
  if (client.jwksUri) {
    const problem = jwksUriProblem(client.jwksUri, rules.jwksUriAllowPrivate);
    if (problem) add('jwks_uri', problem);
  }
  if (method === 'private_key_jwt' && !client.jwks && !client.jwksUri) {
    add('token_endpoint_auth_method', 'private_key_jwt needs jwks or jwks_uri');
  }
  problems.push(...mutualTlsProblems(client));
  const signingAlg = client.tokenEndpointAuthSigningAlg;
  if (signingAlg !== null) {
    const allowed = assertionAlgorithms(method);
    if (allowed.length === 0) {
      add('token_endpoint_auth_signing_alg', 'only private_key_jwt and client_secret_jwt sign');
    } else if (!allowed.includes(signingAlg)) {
      add('token_endpoint_auth_signing_alg', `${method} takes one of ${allowed.join(', ')}`);
    }
  }
  return problems;
}

/** A DNS name (RFC 1035 §2.3.1 as relaxed by RFC 1123 §2.1): labels of letters, digits, hyphens. */
const DNS_NAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** An RFC 5321 §4.1.2 mailbox, ASCII: a dot-atom local part and a DNS domain. */
const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(.+)$/;

/** Why an RFC 8705 §2.1.2 value is malformed for its type, or undefined. */
function tlsNameProblem(name: TlsClientAuthName, value: string): string | undefined {
  switch (name) {
    case 'tls_client_auth_subject_dn':
      return parseDistinguishedName(value)
        ? undefined
        : 'must be an RFC 4514 distinguished name such as CN=client-a,O=Example';
    case 'tls_client_auth_san_dns':
      return DNS_NAME.test(value) ? undefined : 'must be a DNS name such as client.example.com';
    case 'tls_client_auth_san_uri':
      return absoluteUri(value) ? undefined : 'must be an absolute URI';
    case 'tls_client_auth_san_ip':
      return isIP(value) ? undefined : 'must be an IPv4 or IPv6 address';
    case 'tls_client_auth_san_email': {
      const domain = EMAIL.exec(value)?.[2];
      return domain && value.length <= 320 && DNS_NAME.test(domain)
        ? undefined
        : 'must be an email address';
    }
  }
}

function absoluteUri(value: string): boolean {
  if (hasControl(value) || !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * RFC 8705 §2.1.2: a tls_client_auth client names exactly one subject its certificate must have;
 * §2.2: a self_signed_tls_client_auth client registers its certificate's key in `jwks` (with the
 * certificate in `x5c`) or at `jwks_uri`.
 */
function mutualTlsProblems(client: ClientMetadata): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (field: string, problem: string) => problems.push({ field, problem });
  const method = client.tokenEndpointAuthMethod;
  const given = TLS_CLIENT_AUTH_NAMES.filter(
    (name) => client[TLS_CLIENT_AUTH_MEMBERS[name]] !== null,
  );
  for (const name of given) {
    const problem = tlsNameProblem(name, client[TLS_CLIENT_AUTH_MEMBERS[name]]!);
    if (problem) add(name, problem);
  }
  if (method === 'tls_client_auth') {
    if (given.length === 0) {
      add(
        'token_endpoint_auth_method',
        `tls_client_auth needs one of ${TLS_CLIENT_AUTH_NAMES.join(', ')} (RFC 8705 §2.1.2)`,
      );
    }
    for (const name of given.slice(1)) {
      add(name, `only one of ${TLS_CLIENT_AUTH_NAMES.join(', ')} may be set (RFC 8705 §2.1.2)`);
    }
  } else {
    for (const name of given) add(name, 'is for token_endpoint_auth_method tls_client_auth only');
  }
  if (method === 'self_signed_tls_client_auth') {
    if (!client.jwks && !client.jwksUri) {
      add('token_endpoint_auth_method', 'self_signed_tls_client_auth needs jwks or jwks_uri');
    } else if (client.jwks && !client.jwks.keys?.some?.(hasCertificate)) {
      add(
        'jwks',
        'self_signed_tls_client_auth needs a key with its certificate in x5c (RFC 8705 §2.2)',
      );
    }
  }
  return problems;
}

/** A JWK whose `x5c` begins with a certificate that parses (RFC 7517 §4.7). */
function hasCertificate(key: Record<string, unknown>): boolean {
  const chain = key?.x5c;
  if (!Array.isArray(chain) || typeof chain[0] !== 'string') return false;
  try {
    new X509Certificate(Buffer.from(chain[0], 'base64'));
    return true;
  } catch {
    return false;
  }
}

/**
 * The JWS algorithms a client assertion of `method` may use (RFC 7523 §2.2, OIDC Core §9):
 * asymmetric for private_key_jwt, HMAC for client_secret_jwt, none for the other methods.
 */
export function assertionAlgorithms(method: TokenEndpointAuthMethod): string[] {
  if (method === 'private_key_jwt') return PRIVATE_KEY_JWT_ALGORITHMS;
  if (method === 'client_secret_jwt') return CLIENT_SECRET_JWT_ALGORITHMS;
  return [];
}

export function needsSecret(method: TokenEndpointAuthMethod): boolean {
  return SECRET_AUTH_METHODS.includes(method);
}

export function metadataOf(entity: ClientEntity): ClientMetadata {
  return {
    clientName: entity.clientName,
    clientType: entity.clientType,
    redirectUris: entity.redirectUris,
    grantTypes: entity.grantTypes,
    responseTypes: entity.responseTypes,
    scopes: entity.scopes,
    audience: entity.audience,
    tokenEndpointAuthMethod: entity.tokenEndpointAuthMethod,
    tokenEndpointAuthSigningAlg: entity.tokenEndpointAuthSigningAlg,
    jwksUri: entity.jwksUri,
    jwks: entity.jwks,
    allowedCorsOrigins: entity.allowedCorsOrigins,
    idTokenSignedResponseAlg: entity.idTokenSignedResponseAlg,
    postLogoutRedirectUris: entity.postLogoutRedirectUris,
    alwaysIssueRefreshToken: entity.alwaysIssueRefreshToken,
    requirePushedAuthorizationRequests: entity.requirePushedAuthorizationRequests,
    dpopBoundAccessTokens: entity.dpopBoundAccessTokens,
    accessTokenLifetime: entity.accessTokenLifetime,
    refreshTokenLifetime: entity.refreshTokenLifetime,
    status: entity.status,
    tlsClientAuthSubjectDn: entity.tlsClientAuthSubjectDn,
    tlsClientAuthSanDns: entity.tlsClientAuthSanDns,
    tlsClientAuthSanUri: entity.tlsClientAuthSanUri,
    tlsClientAuthSanIp: entity.tlsClientAuthSanIp,
    tlsClientAuthSanEmail: entity.tlsClientAuthSanEmail,
    tlsClientCertificateBoundAccessTokens: entity.tlsClientCertificateBoundAccessTokens,
    attributes: entity.attributes,
  };
}
