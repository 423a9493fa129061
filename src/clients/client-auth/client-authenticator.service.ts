import { Injectable, Logger, Optional } from '@nestjs/common';
import { InvalidClientError } from '../../common/oauth-error';
import { SecretHasher } from '../../crypto/secret-hasher.service';
import { ClientDirectory } from '../client-directory.service';
import { RegisteredClient } from '../client';
import { ClientAssertionVerifier } from './client-assertion.verifier';
import { DecoyAssertionCheck } from './decoy-assertion-check';
import { PresentedCredentials } from './presented-credentials';
import { Clock } from '../../common/clock';
import { PresentedCertificate } from '../../common/http/client-certificate';
import { AuditContext } from '../../events/audit-context';
import { AuditLog } from '../../events/audit-log.service';
import { Metrics } from '../../metrics/metrics';
import { TokenEndpointAuthMethod } from '../client.types';
import { CertificateAuthentication } from './certificate-authentication';

/**
 * The checks every client authentication method shares. Every failure is the same 401
 * `invalid_client` (an unknown client looks exactly like a wrong secret); the reason is logged
 * at debug level, never the secret.
 */
@Injectable()
export class ClientAuthenticator {
  private readonly logger = new Logger(ClientAuthenticator.name);
  private readonly decoy = new DecoyAssertionCheck();

  constructor(
    private readonly directory: ClientDirectory,
    private readonly hasher: SecretHasher,
    private readonly assertions: ClientAssertionVerifier,
    private readonly clock: Clock,
    private readonly certificates: CertificateAuthentication,
    private readonly audit: AuditLog,
    @Optional() private readonly metrics: Metrics = Metrics.off(),
  ) {}

  /**
   * tls_client_auth and self_signed_tls_client_auth (RFC 8705 §2): the client named by
   * `client_id` must be registered for `method`, and the certificate of the connection (or of
   * a trusted proxy's X-SSL-Client-Cert) must be its own. Failures are audited with the reason
   * and the certificate's thumbprint, never the certificate.
   */
  async withCertificate(
    presented: PresentedCredentials,
    method: TokenEndpointAuthMethod,
    certificate: PresentedCertificate,
    context: AuditContext,
  ): Promise<RegisteredClient> {
    const asPresented = { ...presented, method };
    const refuse = (reason: string) => {
      this.audit.recordQuietly({
        ...context,
        type: 'client.authentication_failed',
        outcome: 'failure',
        target: { type: 'client', id: presented.clientId },
        details: {
          method,
          reason,
          ...(certificate.certificate
            ? {
                certificate_thumbprint: certificate.certificate.thumbprint(),
                certificate_source: certificate.certificate.source,
              }
            : {}),
        },
      });
      return this.failure(asPresented, reason);
    };
    const client = await this.directory.findRegistered(presented.clientId);
    if (!client) throw refuse('unknown client');
    if (client.tokenEndpointAuthMethod !== method) {
      throw refuse(`registered for ${client.tokenEndpointAuthMethod}`);
    }
    if (client.status !== 'active') throw refuse('client disabled');
    if (!certificate.certificate) {
      throw refuse(
        certificate.problem === 'header_from_untrusted_address'
          ? 'X-SSL-Client-Cert from an address TRUST_PROXY does not trust'
          : certificate.problem === 'header_malformed'
            ? 'X-SSL-Client-Cert is not a URL-encoded PEM certificate'
            : 'no client certificate',
      );
    }
    const problem = await this.certificates.problem(client, certificate.certificate);
    if (problem) throw refuse(problem);
    return client;
  }

  /**
   * client_secret_basic and client_secret_post (RFC 6749 §2.3.1). Every failure costs one
   * bcrypt, charged to `source`'s budget: an unknown client, a client without a secret, a wrong
   * secret, a client registered for another method or disabled all take the same time.
   */
  async withSecret(presented: PresentedCredentials, source: string): Promise<RegisteredClient> {
    const client = await this.directory.findRegistered(presented.clientId);
    const secret = presented.secret ?? '';
    if (!client?.secretHash) {
      await this.hasher.verifyNothing(secret, source);
      throw this.failure(presented, 'unknown client or no secret');
    }
    if (
      !(await this.hasher.verify(
        client.clientId,
        secret,
        secretHashes(client, this.clock.now()),
        source,
      ))
    ) {
      throw this.failure(presented, 'wrong secret');
    }
    return this.registeredFor(client, presented);
  }

  async withoutSecret(presented: PresentedCredentials): Promise<RegisteredClient> {
    const client = await this.directory.findRegistered(presented.clientId);
    if (!client) throw this.failure(presented, 'unknown client');
    return this.registeredFor(client, presented);
  }

  /**
   * private_key_jwt and client_secret_jwt (RFC 7523 §2.2): the client_id comes from the
   * assertion's `sub`, and the assertion must verify with the client's keys or secret; `path` is
   * the endpoint it is presented at. A client that is unknown or not registered for the method
   * presented gets the same signature check against a key nobody holds, so the answer takes the
   * same time either way.
   */
  async withAssertion(presented: PresentedCredentials, path: string): Promise<RegisteredClient> {
    const client = await this.directory.findRegistered(presented.clientId);
    const assertion = presented.assertion ?? '';
    if (client?.tokenEndpointAuthMethod !== presented.method) {
      await this.decoy.check(assertion);
      if (!client) throw this.failure(presented, 'unknown client');
      return this.registeredFor(client, presented);
    }
    this.registeredFor(client, presented);
    const problem = await this.assertions.problem(client, assertion, path);
    if (problem) throw this.failure(presented, problem);
    return client;
  }

  /** The method used must be the one registered, and the client must be active. */
  private registeredFor(
    client: RegisteredClient,
    presented: PresentedCredentials,
  ): RegisteredClient {
    if (client.tokenEndpointAuthMethod !== presented.method) {
      throw this.failure(presented, `registered for ${client.tokenEndpointAuthMethod}`);
    }
    if (client.status !== 'active') throw this.failure(presented, 'client disabled');
    return client;
  }

  private failure(presented: PresentedCredentials, reason: string): InvalidClientError {
    this.metrics.clientAuthFailure(presented.method);
    this.logger.debug(
      `client authentication failed for ${presented.clientId} (${presented.method}): ${reason}`,
    );
    return new InvalidClientError(reason, presented.viaHeader);
  }
}

/** The hashes a secret may match: the current one, and the previous one during its grace period. */
function secretHashes(client: RegisteredClient, now: number): string[] {
  const hashes = client.secretHash ? [client.secretHash] : [];
  const { previousSecretHash: previous, previousSecretExpiresAt: until } = client;
  if (previous && until && until.getTime() > now) hashes.push(previous);
  return hashes;
}
