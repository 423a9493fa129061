import { canonicalAttributes } from '../common/attributes';
import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { NotFoundError, ValidationFailedError } from '../common/api-error';
import { Clock } from '../common/clock';
import { Page } from '../common/pagination.dto';
import { DirectoryFilter, directoryPage } from '../common/directory-query.dto';
import { AppConfig } from '../config/app-config';
import { KeyEncryption } from '../crypto/key-encryption.service';
import { RandomService } from '../crypto/random.service';
import { SecretHasher } from '../crypto/secret-hasher.service';
import { changedFields, updateEvents } from '../events/audit-changes';
import { AuditContext, SYSTEM_AUDIT } from '../events/audit-context';
import { AuditLog } from '../events/audit-log.service';
import { ChangeBus } from '../events/change-bus.service';
import { ClientMetadataDto } from './client-metadata.dto';
import {
  ClientMetadata,
  clientMetadataProblems,
  metadataOf,
  needsSecret,
  resolveClientMetadata,
} from './client-metadata.policy';
import { ClientEntity } from './client.entity';
import { TokenEndpointAuthMethod } from './client.types';

export interface ClientWithSecret {
  client: ClientEntity;
  /** The plain secret, present only when one was just generated. */
  secret?: string;
}

/** A fresh secret and its bcrypt hash, made before a transaction opens. */
interface PreparedSecret {
  secret: string;
  hash: string;
}

/** What one transaction of an update came to: applied, or in need of a secret first. */
type UpdateAttempt = { outcome: 'applied'; result: ClientWithSecret } | { outcome: 'needs_secret' };

export interface ClientOrigin {
  registeredBy: 'admin' | 'dynamic';
  registrationTokenHash?: string;
  /**
   * The address of a stranger registering (RFC 7591 open or token mode): the new secret's bcrypt
   * is charged to its budget before it runs. Administrators pass none.
   */
  source?: string;
}

/**
 * Client lifecycle: create, change, rotate, delete. The secret exists in clear only here, once.
 * Each change and its audit events are one transaction; bcrypt runs before it opens, and the
 * change is announced only once it has committed.
 */
@Injectable()
export class ClientsService {
  constructor(
    @InjectRepository(ClientEntity) private readonly clients: Repository<ClientEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly random: RandomService,
    private readonly hasher: SecretHasher,
    private readonly bus: ChangeBus,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly encryption: KeyEncryption,
  ) {}

  async create(
    input: ClientMetadataDto,
    origin: ClientOrigin = { registeredBy: 'admin' },
    context: AuditContext = SYSTEM_AUDIT,
  ): Promise<ClientWithSecret> {
    const metadata = this.validated(resolveClientMetadata(input));
    const method = metadata.tokenEndpointAuthMethod;
    const secret = needsSecret(method) ? this.secretFor(method) : undefined;
    const client = this.clients.create({
      ...metadata,
      clientId: this.random.clientId(),
      secretHash: secret ? await this.hasher.hash(secret, origin.source) : null,
      secretEncrypted: secret && keepsSecret(method) ? this.sealed(secret) : null,
      registeredBy: origin.registeredBy,
      registrationTokenHash: origin.registrationTokenHash ?? null,
    });
    const saved = await this.dataSource.transaction(async (manager) => {
      const saved = await manager.save(client);
      await this.audit.record(
        {
          ...context,
          type: 'client.created',
          target: { type: 'client', id: saved.clientId },
          details: {
            client_name: saved.clientName,
            client_type: saved.clientType,
            registered_by: saved.registeredBy,
          },
        },
        manager,
      );
      return saved;
    });
    // Caches keyed on the set of clients (CORS origins, negative lookups) must see it too.
    this.bus.publish({ type: 'client.changed', clientId: saved.clientId });
    return { client: saved, secret };
  }

  /**
   * One page of clients in creation order, narrowed by `filter`: `q` a case-insensitive
   * substring of the client_id or client_name (matched literally), `status` exactly.
   */
  async list(
    limit: number,
    offset: number,
    filter: DirectoryFilter = {},
  ): Promise<Page<ClientEntity>> {
    return directoryPage(
      this.clients.createQueryBuilder('client'),
      ['clientId', 'clientName'],
      filter,
      limit,
      offset,
    );
  }

  async get(clientId: string): Promise<ClientEntity> {
    const client = await this.clients.findOne({ where: { clientId } });
    if (!client) throw new NotFoundError(`client ${clientId}`);
    return client;
  }

  /**
   * Applies a change. A client that now authenticates with a secret but had none gets one
   * (returned once); one that no longer uses a secret loses its hash.
   */
  async update(
    clientId: string,
    input: ClientMetadataDto,
    context: AuditContext = SYSTEM_AUDIT,
  ): Promise<ClientWithSecret> {
    // A first read answers 404 and 400 without a transaction, and tells whether the change
    // gives the client its first secret: that secret is hashed before the transaction opens.
    const current = await this.get(clientId);
    const planned = this.validated(resolveClientMetadata(input, metadataOf(current)));
    const method = planned.tokenEndpointAuthMethod;
    const firstSecret = lacksSecret(current, method) ? await this.newSecret(method) : undefined;
    let attempt = await this.applyUpdate(clientId, input, context, firstSecret);
    while (attempt.outcome === 'needs_secret') {
      // It lost its secret since the first read: again, with one hashed outside the transaction.
      attempt = await this.applyUpdate(clientId, input, context, await this.newSecret(method));
    }
    this.changed(clientId);
    return attempt.result;
  }

  /**
   * One transaction of `update`: the change and its audit events on the locked client. A client
   * that needs a secret and has none takes `secret`; without one the attempt changes nothing and
   * answers `needs_secret` (bcrypt never runs inside a transaction).
   */
  private applyUpdate(
    clientId: string,
    input: ClientMetadataDto,
    context: AuditContext,
    secret: PreparedSecret | undefined,
  ): Promise<UpdateAttempt> {
    return this.dataSource.transaction(async (manager): Promise<UpdateAttempt> => {
      const client = await this.locked(manager, clientId);
      const before = metadataOf(client);
      const hadSecret = client.secretHash !== null;
      const metadata = this.validated(resolveClientMetadata(input, before));
      let given: string | undefined;
      const method = metadata.tokenEndpointAuthMethod;
      if (!needsSecret(method)) {
        client.secretHash = null;
      } else if (lacksSecret(client, method)) {
        if (!secret) return { outcome: 'needs_secret' };
        // A new secret: none of the old ones, whose clear text was never kept, goes on working.
        given = secret.secret;
        client.secretHash = secret.hash;
        client.previousSecretHash = null;
        client.previousSecretExpiresAt = null;
        client.secretEncrypted = keepsSecret(method) ? this.sealed(secret.secret) : null;
      }
      // Only client_secret_jwt keeps its secret in (encrypted) clear; switching away drops it.
      if (!keepsSecret(method)) {
        client.secretEncrypted = null;
        client.previousSecretEncrypted = null;
      }
      // Disabling ends every token issued so far, even if the client is enabled again later.
      if (client.status === 'active' && metadata.status === 'disabled')
        client.tokensValidAfter = this.clock.date();
      Object.assign(client, metadata);
      const saved = await manager.save(client);
      const changed = changedFields(
        { ...before, attributes: canonicalAttributes(before.attributes) },
        { ...metadata, attributes: canonicalAttributes(metadata.attributes) },
        { scopes: 'scope' },
      );
      if (hadSecret !== (saved.secretHash !== null) || given !== undefined) {
        changed.push('client_secret');
      }
      for (const event of updateEvents('client', saved.clientId, saved.status, changed)) {
        await this.audit.record({ ...context, ...event }, manager);
      }
      return { outcome: 'applied', result: { client: saved, secret: given } };
    });
  }

  async remove(clientId: string, context: AuditContext = SYSTEM_AUDIT): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const result = await manager.delete(ClientEntity, { clientId });
      if (!result.affected) throw new NotFoundError(`client ${clientId}`);
      await this.audit.record(
        { ...context, type: 'client.deleted', target: { type: 'client', id: clientId } },
        manager,
      );
    });
    this.hasher.forget(clientId);
    this.bus.publish({ type: 'client.deleted', clientId });
  }

  /**
   * A new secret replaces the old one. The old one stops working at once, or, with a grace
   * period, keeps working beside the new one until the grace ends (for rolling deployments).
   */
  async rotateSecret(
    clientId: string,
    graceSeconds = 0,
    context: AuditContext = SYSTEM_AUDIT,
  ): Promise<ClientWithSecret> {
    // 404 and 400 before the hashing, which happens before the transaction opens.
    const current = await this.get(clientId);
    checkRotatable(current);
    const { secret, hash } = await this.newSecret(current.tokenEndpointAuthMethod);
    const saved = await this.dataSource.transaction(async (manager) => {
      const client = await this.locked(manager, clientId);
      checkRotatable(client);
      client.previousSecretHash = graceSeconds > 0 ? client.secretHash : null;
      client.previousSecretExpiresAt =
        graceSeconds > 0 ? new Date(this.clock.now() + graceSeconds * 1000) : null;
      client.secretHash = hash;
      const keeps = keepsSecret(client.tokenEndpointAuthMethod);
      client.previousSecretEncrypted = keeps && graceSeconds > 0 ? client.secretEncrypted : null;
      client.secretEncrypted = keeps ? this.sealed(secret) : null;
      const saved = await manager.save(client);
      // That it happened, and how long the old secret lives on; never a secret or its hash.
      await this.audit.record(
        {
          ...context,
          type: 'client.secret_rotated',
          target: { type: 'client', id: clientId },
          details: { grace_period: graceSeconds },
        },
        manager,
      );
      return saved;
    });
    this.changed(clientId);
    return { client: saved, secret };
  }

  /** How many clients there are (one COUNT query: the console's overview). */
  count(): Promise<number> {
    return this.clients.count();
  }

  /**
   * Locks the client until the caller's transaction ends, so changes to what hangs on it (its
   * roles) take turns; 404 if there is none. `manager` is the caller's transaction: embedded
   * PGlite has one connection, and a second one would wait on this transaction forever.
   */
  async lockForChange(manager: EntityManager, clientId: string): Promise<void> {
    await this.locked(manager, clientId);
  }

  private validated(metadata: ClientMetadata): ClientMetadata {
    const problems = clientMetadataProblems(metadata, {
      jwksUriAllowPrivate: this.config.jwksUriAllowPrivate,
    });
    if (problems.length > 0) throw new ValidationFailedError(problems);
    return metadata;
  }

  /**
   * The client, locked until the transaction ends: a concurrent change waits, so the changed
   * fields recorded are those of this one.
   */
  private async locked(manager: EntityManager, clientId: string): Promise<ClientEntity> {
    const client = await manager.findOne(ClientEntity, {
      where: { clientId },
      lock: { mode: 'for_no_key_update' },
    });
    if (!client) throw new NotFoundError(`client ${clientId}`);
    return client;
  }

  /** A fresh secret and its bcrypt hash: slow, so never inside a transaction. */
  private async newSecret(method: TokenEndpointAuthMethod): Promise<PreparedSecret> {
    const secret = this.secretFor(method);
    return { secret, hash: await this.hasher.hash(secret) };
  }

  /**
   * 256 bits; for client_secret_jwt 512 (86 characters), so that the HMAC key is at least as
   * long as the HS512 output, as RFC 7518 §3.2 requires of every HS algorithm's key.
   */
  private secretFor(method: TokenEndpointAuthMethod): string {
    return keepsSecret(method) ? this.random.token(64) : this.random.secret();
  }

  /** client_secret_jwt: the secret under the key-encryption key (docs/decisions/0300). */
  private sealed(secret: string): string {
    return this.encryption.encrypt(Buffer.from(secret, 'utf8'));
  }

  private changed(clientId: string): void {
    this.hasher.forget(clientId);
    this.bus.publish({ type: 'client.changed', clientId });
  }
}

/** RFC 7523 §2.2 client_secret_jwt: the HMAC key is the secret itself, so it is kept. */
function keepsSecret(method: TokenEndpointAuthMethod): boolean {
  return method === 'client_secret_jwt';
}

/**
 * Whether a client that will use `method` needs a new secret: it has none, or it turns to
 * client_secret_jwt and only the bcrypt hash of its secret exists (the clear text is gone, and
 * an HMAC needs it), so the server makes a new one and returns it once.
 */
function lacksSecret(
  client: Pick<ClientEntity, 'secretHash' | 'secretEncrypted'>,
  method: TokenEndpointAuthMethod,
): boolean {
  if (!needsSecret(method)) return false;
  return !client.secretHash || (keepsSecret(method) && !client.secretEncrypted);
}

function checkRotatable(client: ClientEntity): void {
  if (!needsSecret(client.tokenEndpointAuthMethod)) {
    throw new ValidationFailedError([
      {
        field: 'token_endpoint_auth_method',
        problem: `clients using ${client.tokenEndpointAuthMethod} have no secret to rotate`,
      },
    ]);
  }
}
