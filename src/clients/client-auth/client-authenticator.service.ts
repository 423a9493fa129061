import { Injectable, Logger } from '@nestjs/common';
import { InvalidClientError } from '../../common/oauth-error';
import { SecretHasher } from '../../crypto/secret-hasher.service';
import { ClientDirectory } from '../client-directory.service';
import { ClientEntity } from '../client.entity';
import { ClientAssertionVerifier } from './client-assertion.verifier';
import { PresentedCredentials } from './presented-credentials';

/**
 * The checks every client authentication method shares. Every failure is the same 401
 * `invalid_client` (an unknown client looks exactly like a wrong secret); the reason is logged
 * at debug level, never the secret.
 */
@Injectable()
export class ClientAuthenticator {
  private readonly logger = new Logger(ClientAuthenticator.name);

  constructor(
    private readonly directory: ClientDirectory,
    private readonly hasher: SecretHasher,
    private readonly assertions: ClientAssertionVerifier,
  ) {}

  async withSecret(presented: PresentedCredentials): Promise<ClientEntity> {
    const client = await this.directory.find(presented.clientId);
    const secret = presented.secret ?? '';
    if (!client?.secretHash) {
      await this.hasher.verifyNothing(secret);
      throw this.failure(presented, 'unknown client or no secret');
    }
    if (
      !(await this.hasher.verify(client.clientId, secret, client.secretHash)) &&
      !(await this.matchesPreviousSecret(client, secret))
    ) {
      throw this.failure(presented, 'wrong secret');
    }
    return this.registeredFor(client, presented);
  }

  /** During a rotation's grace period the previous secret still works. */
  private async matchesPreviousSecret(client: ClientEntity, secret: string): Promise<boolean> {
    const { previousSecretHash: hash, previousSecretExpiresAt: until } = client;
    if (!hash || !until || until.getTime() <= Date.now()) return false;
    return this.hasher.verify(`${client.clientId} previous`, secret, hash);
  }

  async withoutSecret(presented: PresentedCredentials): Promise<ClientEntity> {
    const client = await this.directory.find(presented.clientId);
    if (!client) throw this.failure(presented, 'unknown client');
    return this.registeredFor(client, presented);
  }

  /**
   * private_key_jwt (RFC 7523 §2.2): the client_id comes from the assertion's `sub`, and the
   * assertion must verify with the client's keys; `path` is the endpoint it is presented at.
   */
  async withAssertion(presented: PresentedCredentials, path: string): Promise<ClientEntity> {
    const client = await this.directory.find(presented.clientId);
    if (!client) throw this.failure(presented, 'unknown client');
    this.registeredFor(client, presented);
    const problem = await this.assertions.problem(client, presented.assertion ?? '', path);
    if (problem) throw this.failure(presented, problem);
    return client;
  }

  /** The method used must be the one registered, and the client must be active. */
  private registeredFor(client: ClientEntity, presented: PresentedCredentials): ClientEntity {
    if (client.tokenEndpointAuthMethod !== presented.method) {
      throw this.failure(presented, `registered for ${client.tokenEndpointAuthMethod}`);
    }
    if (client.status !== 'active') throw this.failure(presented, 'client disabled');
    return client;
  }

  private failure(presented: PresentedCredentials, reason: string): InvalidClientError {
    this.logger.debug(
      `client authentication failed for ${presented.clientId} (${presented.method}): ${reason}`,
    );
    return new InvalidClientError(reason, presented.viaHeader);
  }
}
