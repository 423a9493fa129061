import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, NotFoundError, ValidationFailedError } from '../common/api-error';
import { Page, paginate } from '../common/pagination.dto';
import { AppConfig } from '../config/app-config';
import { KeyEncryption } from '../crypto/key-encryption.service';
import { isUniqueViolation } from '../database/unique-violation';
import { changedFields } from '../events/audit-changes';
import { AuditContext, SYSTEM_AUDIT } from '../events/audit-context';
import { AuditLog } from '../events/audit-log.service';
import { CreateIdentityProviderDto, UpdateIdentityProviderDto } from './identity-provider.dto';
import { IdentityProviderEntity } from './identity-provider.entities';
import { ALIAS_SYNTAX, DEFAULT_UPSTREAM_SCOPE, providerProblems } from './identity-provider.policy';
import { IdentityProvider, providerSnapshot } from './identity-provider';

/**
 * Upstream OpenID Providers, managed through the admin API. Each change and its audit event are
 * one transaction. Nothing is cached: sign-in reads the provider from the database each time
 * (it is not a hot path), so every process sees a change, a disable or a delete at once.
 */
@Injectable()
export class IdentityProvidersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly encryption: KeyEncryption,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
  ) {}

  private get providers() {
    return this.dataSource.getRepository(IdentityProviderEntity);
  }

  async create(
    input: CreateIdentityProviderDto,
    context: AuditContext = SYSTEM_AUDIT,
  ): Promise<IdentityProviderEntity> {
    const scope = input.scope ?? DEFAULT_UPSTREAM_SCOPE;
    this.check({ issuer: input.issuer, scope });
    try {
      return await this.dataSource.transaction(async (manager) => {
        const saved = await manager.save(
          manager.create(IdentityProviderEntity, {
            alias: input.alias,
            name: input.name,
            issuer: input.issuer,
            clientId: input.client_id,
            clientSecretSealed: this.seal(input.client_secret),
            scope,
            status: input.status ?? 'active',
          }),
        );
        await this.audit.record(
          {
            ...context,
            type: 'identity_provider.created',
            target: { type: 'identity_provider', id: saved.alias },
            details: { issuer: saved.issuer, status: saved.status },
          },
          manager,
        );
        return saved;
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ConflictError(`the identity provider ${input.alias} exists`);
      throw error;
    }
  }

  list(limit: number, offset: number): Promise<Page<IdentityProviderEntity>> {
    return paginate(this.providers, limit, offset);
  }

  async get(alias: string): Promise<IdentityProviderEntity> {
    const provider = ALIAS_SYNTAX.test(alias)
      ? await this.providers.findOne({ where: { alias } })
      : null;
    if (!provider) throw new NotFoundError(`identity provider ${alias}`);
    return provider;
  }

  async update(
    alias: string,
    input: UpdateIdentityProviderDto,
    context: AuditContext = SYSTEM_AUDIT,
  ): Promise<IdentityProviderEntity> {
    this.check(input);
    return this.dataSource.transaction(async (manager) => {
      const provider = await this.locked(manager, alias);
      const before = settingsOf(provider);
      if (input.name !== undefined) provider.name = input.name;
      if (input.issuer !== undefined) provider.issuer = input.issuer;
      if (input.client_id !== undefined) provider.clientId = input.client_id;
      if (input.scope !== undefined) provider.scope = input.scope;
      if (input.status !== undefined) provider.status = input.status;
      if (input.client_secret !== undefined)
        provider.clientSecretSealed = this.seal(input.client_secret);
      const saved = await manager.save(provider);
      // Only names of fields are recorded, never values; the secret is named when it was set.
      const changed = changedFields(before, settingsOf(saved));
      if (input.client_secret !== undefined) changed.push('client_secret');
      const target = { type: 'identity_provider', id: alias };
      if (changed.includes('status')) {
        const type = `identity_provider.${saved.status === 'disabled' ? 'disabled' : 'enabled'}`;
        await this.audit.record({ ...context, type, target }, manager);
      }
      const fields = changed.filter((field) => field !== 'status');
      if (fields.length > 0) {
        await this.audit.record(
          { ...context, type: 'identity_provider.updated', target, details: { fields } },
          manager,
        );
      }
      return saved;
    });
  }

  /** Deletes the provider and, with it (ON DELETE CASCADE), every account link made through it. */
  async remove(alias: string, context: AuditContext = SYSTEM_AUDIT): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const provider = await this.locked(manager, alias);
      await manager.delete(IdentityProviderEntity, { id: provider.id });
      await this.audit.record(
        {
          ...context,
          type: 'identity_provider.deleted',
          target: { type: 'identity_provider', id: alias },
          details: { issuer: provider.issuer },
        },
        manager,
      );
    });
  }

  /** The provider an alias names, whatever its status; null for an unknown or malformed alias. */
  async find(alias: string): Promise<IdentityProvider | null> {
    if (!ALIAS_SYNTAX.test(alias)) return null;
    const provider = await this.providers.findOne({ where: { alias } });
    return provider ? providerSnapshot(provider) : null;
  }

  /** The provider with this id, whatever its status; null if it was deleted. */
  async byId(id: string): Promise<IdentityProvider | null> {
    const provider = await this.providers.findOne({ where: { id } });
    return provider ? providerSnapshot(provider) : null;
  }

  /** The providers the login page offers, in the order they were created. */
  async active(): Promise<IdentityProvider[]> {
    const providers = await this.providers.find({
      where: { status: 'active' },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: 50,
    });
    return providers.map(providerSnapshot);
  }

  /** The client secret, decrypted for the upstream's token endpoint; never logged or shown. */
  async clientSecret(provider: IdentityProvider): Promise<string> {
    const entity = await this.providers.findOne({ where: { id: provider.id } });
    if (!entity) throw new NotFoundError(`identity provider ${provider.alias}`);
    return this.encryption.decrypt(entity.clientSecretSealed).toString('utf8');
  }

  private seal(secret: string): string {
    return this.encryption.encrypt(Buffer.from(secret, 'utf8'));
  }

  private check(input: { issuer?: string; scope?: string }): void {
    const problems = providerProblems(input, this.config.issuer);
    if (problems.length > 0) throw new ValidationFailedError(problems);
  }

  private async locked(manager: EntityManager, alias: string): Promise<IdentityProviderEntity> {
    const provider = ALIAS_SYNTAX.test(alias)
      ? await manager.findOne(IdentityProviderEntity, {
          where: { alias },
          lock: { mode: 'for_no_key_update' },
        })
      : null;
    if (!provider) throw new NotFoundError(`identity provider ${alias}`);
    return provider;
  }
}

/** The settings an update may change, besides the secret, to tell which ones it did. */
function settingsOf(provider: IdentityProviderEntity): Record<string, unknown> {
  return {
    name: provider.name,
    issuer: provider.issuer,
    clientId: provider.clientId,
    scope: provider.scope,
    status: provider.status,
  };
}
