import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { AuditEntry, AuditLog } from '../events/audit-log.service';
import { ChangeBus } from '../events/change-bus.service';
import { SigningKeyEntity } from './signing-key.entity';
import { SigningAlgorithm, SigningKeys } from './signing-keys.service';

export interface RotatedKey {
  kid: string;
  alg: SigningAlgorithm;
  createdAt: Date;
}

/** Who asked for a rotation, for the audit log. */
export type RotationActor = Pick<AuditEntry, 'actor' | 'ip' | 'userAgent'>;

const SYSTEM: RotationActor = { actor: { type: 'system' } };

/** The schedule looks at key ages this often at most (a tenth of the interval if shorter). */
const MAX_CHECK_PERIOD_MS = 60_000;
const MIN_CHECK_PERIOD_MS = 1_000;

/**
 * Signing key rotation, on demand (POST /admin/keys/rotate) and every KEY_ROTATION_INTERVAL
 * seconds. Under the key lock, in one transaction, each algorithm's active key is retired and a
 * new one takes its place; this process signs with it at once, the others reload on the
 * `keys.rotated` event. Retired keys keep verifying (SigningKeys' retention).
 */
@Injectable()
export class KeyRotation implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KeyRotation.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keys: SigningKeys,
    private readonly bus: ChangeBus,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const interval = this.config.keyRotationInterval;
    if (interval === 0) return;
    await this.checkQuietly();
    const period = Math.min(MAX_CHECK_PERIOD_MS, (interval * 1000) / 10);
    this.timer = setInterval(() => void this.checkQuietly(), Math.max(MIN_CHECK_PERIOD_MS, period));
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Replaces the active key of every required algorithm now. */
  rotate(by: RotationActor): Promise<RotatedKey[]> {
    return this.run(by, async () => this.keys.requiredAlgorithms());
  }

  /**
   * The schedule: rotates each algorithm whose active key is older than KEY_ROTATION_INTERVAL.
   * Decided under the lock, so when several processes look at once only the first rotates.
   * Returns the new keys (none when nothing was due or the schedule is off).
   */
  async rotateIfDue(now = new Date()): Promise<RotatedKey[]> {
    const interval = this.config.keyRotationInterval;
    if (interval === 0) return [];
    const dueBefore = now.getTime() - interval * 1000;
    const dueIn = async (manager: EntityManager) => {
      const active = await manager.find(SigningKeyEntity, { where: { status: 'active' } });
      return this.keys
        .requiredAlgorithms()
        .filter((alg) =>
          active.every((key) => key.algorithm !== alg || key.createdAt.getTime() <= dueBefore),
        );
    };
    // A lock-free look first: most checks find nothing due and take no lock.
    if ((await dueIn(this.dataSource.manager)).length === 0) return [];
    return this.run(SYSTEM, dueIn);
  }

  private async run(
    by: RotationActor,
    algorithms: (manager: EntityManager) => Promise<SigningAlgorithm[]>,
  ): Promise<RotatedKey[]> {
    const rotated = await this.keys.changeKeys(async (manager) => {
      const created: RotatedKey[] = [];
      const retired: string[] = [];
      for (const alg of await algorithms(manager)) {
        const old = await manager.find(SigningKeyEntity, {
          where: { algorithm: alg, status: 'active' },
        });
        await manager.update(
          SigningKeyEntity,
          { algorithm: alg, status: 'active' },
          { status: 'retired', retiredAt: () => 'now()' },
        );
        retired.push(...old.map((key) => key.kid));
        const key = await this.keys.createKey(manager, alg);
        created.push({ kid: key.kid, alg, createdAt: key.createdAt });
      }
      if (created.length > 0) {
        await this.audit.record(
          {
            ...by,
            type: 'keys.rotated',
            target: { type: 'signing_keys' },
            details: { kids: created.map((key) => key.kid), retired_kids: retired },
          },
          manager,
        );
      }
      return created;
    });
    if (rotated.length > 0) {
      this.logger.log(`rotated signing keys: ${rotated.map((key) => key.kid).join(', ')}`);
      // Other processes reload on the event; this one's listener queues the reload awaited below.
      this.bus.publish({ type: 'keys.rotated' });
    }
    // With nothing rotated here, another process did it while we waited for the lock.
    await this.keys.reload();
    return rotated;
  }

  private async checkQuietly(): Promise<void> {
    try {
      await this.rotateIfDue();
    } catch (error) {
      this.logger.warn(
        `scheduled key rotation failed: ${error instanceof Error ? error.message : 'unknown error'}`,
      );
    }
  }
}
