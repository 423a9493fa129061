import { Injectable } from '@nestjs/common';
import { ASSERTION_SIGNING_ALGORITHMS } from '../clients/client-auth/client-assertion.verifier';
import { ADMIN_SCOPE, CHECK_SCOPE } from '../common/auth/permissions';
import { AppConfig } from '../config/app-config';
import { ID_TOKEN_ALGORITHMS } from '../crypto/signing-algorithms';
import { DPOP_ALGORITHMS } from '../tokens/dpop/dpop-proof';
import { TokenService } from '../tokens/token.service';
import { ACR_VALUES_SUPPORTED } from '../authorization/authentication-context';

const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'client_secret_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
];

/**
 * RFC 8414 / OIDC Discovery 1.0 metadata: only what this server actually offers. Built once;
 * the settings behind it do not change while the process runs.
 */
@Injectable()
export class DiscoveryService {
  private metadata?: Record<string, unknown>;

  constructor(
    private readonly config: AppConfig,
    private readonly tokens: TokenService,
  ) {}

  describe(): Record<string, unknown> {
    this.metadata ??= this.build();
    return this.metadata;
  }

  private build(): Record<string, unknown> {
    const issuer = this.config.issuer;
    return {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      jwks_uri: `${issuer}/jwks`,
      end_session_endpoint: `${issuer}/logout`,
      ...(this.config.registration.mode === 'closed'
        ? {}
        : { registration_endpoint: `${issuer}/register` }),
      scopes_supported: ['openid', 'profile', 'email', 'offline_access', ADMIN_SCOPE, CHECK_SCOPE],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: this.tokens.supportedGrantTypes,
      subject_types_supported: ['public'],
      // Every algorithm Gatehouse signs with, access tokens included (see ID_TOKEN_ALGORITHMS).
      id_token_signing_alg_values_supported: [...ID_TOKEN_ALGORITHMS],
      token_endpoint_auth_methods_supported: AUTH_METHODS,
      token_endpoint_auth_signing_alg_values_supported: ASSERTION_SIGNING_ALGORITHMS,
      introspection_endpoint: `${issuer}/introspect`,
      introspection_endpoint_auth_methods_supported: AUTH_METHODS.filter(
        (method) => method !== 'none',
      ),
      introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_SIGNING_ALGORITHMS,
      revocation_endpoint: `${issuer}/revoke`,
      revocation_endpoint_auth_methods_supported: AUTH_METHODS,
      revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_SIGNING_ALGORITHMS,
      // RFC 9126 §5; client authentication there is the token endpoint's.
      pushed_authorization_request_endpoint: `${issuer}/par`,
      require_pushed_authorization_requests: this.config.requirePushedAuthorizationRequests,
      code_challenge_methods_supported: ['S256'],
      // RFC 8705 §3.3: access tokens bound to the client certificate.
      tls_client_certificate_bound_access_tokens: true,
      // RFC 8705 §5: where a client presents its certificate. One listener asks every client
      // for one (requested, never required), so the aliases are the endpoints themselves.
      mtls_endpoint_aliases: {
        token_endpoint: `${issuer}/token`,
        introspection_endpoint: `${issuer}/introspect`,
        revocation_endpoint: `${issuer}/revoke`,
        userinfo_endpoint: `${issuer}/userinfo`,
        pushed_authorization_request_endpoint: `${issuer}/par`,
      },
      // RFC 9449 §5.1: the algorithms a DPoP proof may be signed with.
      dpop_signing_alg_values_supported: DPOP_ALGORITHMS,
      prompt_values_supported: ['none', 'login', 'consent'],
      // OIDC Discovery §3: the authentication levels a client may ask for with acr_values
      // (docs/second-factors.md).
      acr_values_supported: [...ACR_VALUES_SUPPORTED],
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'amr',
        'acr',
        'nonce',
        'azp',
        'at_hash',
        'preferred_username',
        'name',
        'given_name',
        'family_name',
        'updated_at',
        'email',
        'email_verified',
      ],
      // RFC 9207 §3: every authorization response carries `iss`.
      authorization_response_iss_parameter_supported: true,
      request_parameter_supported: false,
      // OIDC Core §6.2 request_uri (fetched from the client): no; RFC 9126 ones from /par only.
      request_uri_parameter_supported: false,
      service_documentation: `${issuer}/docs`,
    };
  }
}
