import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { FieldProblem, NotFoundError, ValidationFailedError } from '../../common/api-error';
import {
  AccessDeniedError,
  InvalidClientMetadataError,
  InvalidRedirectUriError,
  InvalidTokenError,
} from '../../common/oauth-error';
import { isGatehouseScope } from '../../common/auth/permissions';
import { parseScope } from '../../common/auth/scope-syntax';
import { toFieldProblems } from '../../common/validation';
import { AppConfig } from '../../config/app-config';
import { constantTimeEquals, sha256 } from '../../crypto/secret-hasher.service';
import { RandomService } from '../../crypto/random.service';
import { AuditContext } from '../../events/audit-context';
import { ClientMetadataDto, RegistrationMetadataDto } from '../client-metadata.dto';
import { ClientEntity } from '../client.entity';
import { ClientsService } from '../clients.service';
import { defaultRegistrationScope } from './registration-scope';
import { GatehouseError } from '../../common/errors';

export interface RegistrationResponse {
  client: ClientEntity;
  secret?: string;
  registrationAccessToken?: string;
}

/**
 * RFC 7591 dynamic registration and RFC 7592 management. REGISTRATION_MODE decides who may
 * register: nobody (`closed`), holders of the initial access token (`token`), anyone (`open`).
 * A registered client manages itself with its registration access token, stored as a SHA-256.
 */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly clients: ClientsService,
    private readonly random: RandomService,
    private readonly config: AppConfig,
  ) {}

  authorizeRegistration(bearer: string | undefined): void {
    const { mode, initialAccessToken } = this.config.registration;
    if (mode === 'closed') throw new AccessDeniedError('dynamic client registration is disabled');
    if (
      mode === 'token' &&
      !(bearer && initialAccessToken && constantTimeEquals(bearer, initialAccessToken))
    ) {
      throw new InvalidTokenError('a valid initial access token is required (RFC 7591 §3)');
    }
  }

  /** `source` is the registering address, charged for the new secret's bcrypt before it runs. */
  async register(
    body: unknown,
    context: AuditContext,
    source: string,
  ): Promise<RegistrationResponse> {
    const metadata = await this.parse(body);
    const registrationAccessToken = this.random.secret();
    const { client, secret } = await this.withMetadataErrors(() =>
      this.clients.create(
        { ...metadata, scope: metadata.scope ?? defaultRegistrationScope(metadata.grant_types) },
        {
          registeredBy: 'dynamic',
          registrationTokenHash: sha256(registrationAccessToken),
          source,
        },
        context,
      ),
    );
    return { client, secret, registrationAccessToken };
  }

  /** RFC 7592 §2: an unknown client and a wrong token are answered alike. */
  async authenticate(clientId: string, bearer: string | undefined): Promise<ClientEntity> {
    const client = await this.clients.get(clientId).catch(() => undefined);
    const expected = client?.registrationTokenHash;
    if (!client || !expected || !bearer || !constantTimeEquals(sha256(bearer), expected)) {
      throw new InvalidTokenError('the registration access token is invalid');
    }
    return client;
  }

  /** RFC 7592 §2.2: the request replaces the metadata; omitted fields return to defaults. */
  async replace(
    client: ClientEntity,
    body: unknown,
    context: AuditContext,
  ): Promise<RegistrationResponse> {
    const submittedId = (body as { client_id?: unknown } | null)?.client_id;
    if (submittedId !== client.clientId) {
      throw new InvalidClientMetadataError(
        'client_id in the body must match the client being updated',
      );
    }
    const metadata = await this.parse(body);
    const replacement: ClientMetadataDto = {
      client_name: metadata.client_name ?? 'Unnamed client',
      redirect_uris: metadata.redirect_uris ?? [],
      grant_types: metadata.grant_types ?? ['authorization_code'],
      response_types: metadata.response_types,
      scope: metadata.scope ?? defaultRegistrationScope(metadata.grant_types),
      token_endpoint_auth_method: metadata.token_endpoint_auth_method ?? 'client_secret_basic',
      token_endpoint_auth_signing_alg: metadata.token_endpoint_auth_signing_alg ?? null,
      jwks_uri: metadata.jwks_uri ?? (null as unknown as undefined),
      jwks: metadata.jwks ?? (null as unknown as undefined),
      id_token_signed_response_alg: metadata.id_token_signed_response_alg ?? 'RS256',
      post_logout_redirect_uris: metadata.post_logout_redirect_uris ?? [],
      require_pushed_authorization_requests:
        metadata.require_pushed_authorization_requests ?? false,
      dpop_bound_access_tokens: metadata.dpop_bound_access_tokens ?? false,
      tls_client_auth_subject_dn: metadata.tls_client_auth_subject_dn ?? null,
      tls_client_auth_san_dns: metadata.tls_client_auth_san_dns ?? null,
      tls_client_auth_san_uri: metadata.tls_client_auth_san_uri ?? null,
      tls_client_auth_san_ip: metadata.tls_client_auth_san_ip ?? null,
      tls_client_auth_san_email: metadata.tls_client_auth_san_email ?? null,
      tls_client_certificate_bound_access_tokens:
        metadata.tls_client_certificate_bound_access_tokens ?? false,
    };
    const { client: updated, secret } = await this.withMetadataErrors(() =>
      this.clients.update(client.clientId, replacement, context),
    );
    return { client: updated, secret };
  }

  async remove(client: ClientEntity, context: AuditContext): Promise<void> {
    await this.clients.remove(client.clientId, context);
  }

  /** RFC 7591 §2: metadata the server does not understand is ignored, client_id included. */
  private async parse(body: unknown): Promise<RegistrationMetadataDto> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new InvalidClientMetadataError('the body must be a JSON object of client metadata');
    }
    const metadata = plainToInstance(RegistrationMetadataDto, body);
    const problems = toFieldProblems(await validate(metadata, { whitelist: true }));
    if (problems.length > 0) throw metadataError(problems);
    // Gatehouse's own scopes: only an administrator registers a client for them
    // (docs/security/privilege.md), never RFC 7591 registration or RFC 7592 update.
    const reserved = (parseScope(metadata.scope ?? '') ?? []).filter(isGatehouseScope);
    if (reserved.length > 0) {
      throw new InvalidClientMetadataError(
        `scope ${reserved.join(' ')} cannot be registered dynamically`,
      );
    }
    return metadata;
  }

  private async withMetadataErrors<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ValidationFailedError && error.details)
        throw metadataError(error.details);
      if (error instanceof NotFoundError) {
        throw new InvalidTokenError('the registration access token is invalid');
      }
      throw error;
    }
  }
}

/** RFC 7591 §3.2.2: `invalid_redirect_uri` for redirect URIs, `invalid_client_metadata` otherwise. */
function metadataError(problems: FieldProblem[]): GatehouseError {
  const [first] = problems;
  const description = `${first.field}: ${first.problem}`;
  return first.field.startsWith('redirect_uris')
    ? new InvalidRedirectUriError(description)
    : new InvalidClientMetadataError(description);
}
