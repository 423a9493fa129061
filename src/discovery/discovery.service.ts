import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TokenService } from '../tokens/token.service';

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
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      ...(this.config.registration.mode === 'closed'
        ? {}
        : { registration_endpoint: `${issuer}/register` }),
      grant_types_supported: this.tokens.supportedGrantTypes,
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['iam:admin', 'iam:check'],
      service_documentation: `${issuer}/docs`,
    };
  }
}
