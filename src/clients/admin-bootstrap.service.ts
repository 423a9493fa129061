import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, Not } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { RandomService } from '../crypto/random.service';
import { SecretHasher } from '../crypto/secret-hasher.service';
import { ChangeBus } from '../events/change-bus.service';
import { ClientEntity } from './client.entity';
import { CONSOLE_CLIENT_ID } from './console-client';
import { ADMIN_SCOPE, CHECK_SCOPE } from '../common/auth/permissions';

/** Serializes the bootstrap across processes starting together on one database. */
const BOOTSTRAP_LOCK = 7_364_829_102;

const ADMIN_CLIENT = {
  clientName: 'Gatehouse administrator',
  clientType: 'confidential' as const,
  grantTypes: ['client_credentials' as const],
  responseTypes: [],
  redirectUris: [],
  scopes: [ADMIN_SCOPE, CHECK_SCOPE],
  tokenEndpointAuthMethod: 'client_secret_basic' as const,
  status: 'active' as const,
};

/**
 * Admin bootstrap (docs/operations.md, the first admin client). With ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET every start ensures that
 * exact client; without them the first start on an empty database creates one and prints its
 * credentials once, on one stdout line beginning `Admin client:`.
 */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrap.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly random: RandomService,
    private readonly hasher: SecretHasher,
    private readonly bus: ChangeBus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { clientId, clientSecret } = this.config.admin;
    const printed = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
      if (clientId && clientSecret) {
        await this.ensureConfigured(manager, clientId, clientSecret);
        return undefined;
      }
      return this.createFirst(manager);
    });
    if (clientId) this.bus.publish({ type: 'client.changed', clientId });
    if (printed) {
      process.stdout.write(
        `Admin client: client_id=${printed.clientId} client_secret=${printed.secret} (shown once; scope ${ADMIN_CLIENT.scopes.join(' ')})\n`,
      );
    }
  }

  private async ensureConfigured(
    manager: EntityManager,
    clientId: string,
    secret: string,
  ): Promise<void> {
    const existing = await manager.findOne(ClientEntity, { where: { clientId } });
    const secretHash =
      existing?.secretHash && (await this.hasher.verify(clientId, secret, existing.secretHash))
        ? existing.secretHash
        : await this.hasher.hash(secret);
    if (existing) {
      await manager.update(ClientEntity, { id: existing.id }, { ...ADMIN_CLIENT, secretHash });
    } else {
      await manager.insert(ClientEntity, { ...ADMIN_CLIENT, clientId, secretHash });
      this.logger.log(`created the admin client ${clientId} from ADMIN_CLIENT_ID`);
    }
  }

  private async createFirst(
    manager: EntityManager,
  ): Promise<{ clientId: string; secret: string } | undefined> {
    // The console's client (ensured at every start, maybe first) does not make a database used.
    if ((await manager.count(ClientEntity, { where: { clientId: Not(CONSOLE_CLIENT_ID) } })) > 0)
      return undefined;
    const clientId = this.random.clientId();
    const secret = this.random.secret();
    await manager.insert(ClientEntity, {
      ...ADMIN_CLIENT,
      clientId,
      secretHash: await this.hasher.hash(secret),
    });
    return { clientId, secret };
  }
}
