import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { AuditEntry, AuditLog } from '../events/audit-log.service';
import { ChangeBus } from '../events/change-bus.service';
import { SigningKeyEntity } from './signing-key.entity';
import { GeneratedKey, SigningAlgorithm, SigningKeys } from './signing-keys.service';
import { Clock } from '../common/clock';

export interface RotatedKey {
  kid: string;
  alg: SigningAlgorithm;
  createdAt: Date;
  /** From when it signs: KEY_PUBLISH_AHEAD after the rotation, or at once if immediate. */
  signsFrom: Date;
}

export interface RotationOptions {
  /**
   * For a compromised key: the new keys sign at once and every older key is withdrawn from
   * /jwks and from verification, so that tokens signed with them stop working everywhere.
   */
  immediate?: boolean;
}

/** Who asked for a rotation, for the audit log. */
export type RotationActor = Pick<AuditEntry, 'actor' | 'ip' | 'userAgent' | 'clientId'>;

const SYSTEM: RotationActor = { actor: { type: 'system' } };

/** The schedule looks at key ages this often at most (a tenth of the interval if shorter). */
const MAX_CHECK_PERIOD_MS = 60_000;
const MIN_CHECK_PERIOD_MS = 1_000;

/**
 * Signing key rotation, on demand (POST /admin/keys/rotate) and every KEY_ROTATION_INTERVAL
 * seconds. Under the key lock, in one transaction, each algorithm gets a new key that signs from
 * `signs_from` = now + KEY_PUBLISH_AHEAD, and the old one is retired as of that instant. Every
 * process reloads on the `keys.rotated` event and publishes the new key in /jwks at once, long
 * before it signs: verifiers that cache the key set find it when they refetch on its `kid`.
 * Retired keys keep verifying (SigningKeys' retention). An immediate rotation (a compromised
 * key) signs at once and withdraws every older key.
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
    private readonly clock: Clock,
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

  /** Replaces the active key of every algorithm: published now, signing after publish-ahead. */
  rotate(by: RotationActor, options: RotationOptions = {}): Promise<RotatedKey[]> {
    const all = this.keys.requiredAlgorithms();
    return this.run(by, all, async () => all, options.immediate ?? false);
  }

  /**
   * The schedule: rotates each algorithm whose active key is older than KEY_ROTATION_INTERVAL.
   * Decided under the lock, so when several processes look at once only the first rotates.
   * Returns the new keys (none when nothing was due or the schedule is off).
   */
  async rotateIfDue(now = this.clock.date()): Promise<RotatedKey[]> {
    const interval = this.config.keyRotationInterval;
    if (interval === 0) return [];
    const dueBefore = now.getTime() - interval * 1000;
    // Age counts from when a key began to sign; a key still waiting to sign is never due.
    const dueIn = async (manager: EntityManager) => {
      const active = await manager.find(SigningKeyEntity, { where: { status: 'active' } });
      return this.keys
        .requiredAlgorithms()
        .filter((alg) =>
          active.every((key) => key.algorithm !== alg || key.signsFrom.getTime() <= dueBefore),
        );
    };
    // A lock-free look first: most checks find nothing due and take no lock.
    const likely = await dueIn(this.dataSource.manager);
    if (likely.length === 0) return [];
    return this.run(SYSTEM, likely, dueIn, false);
  }

  /**
   * Rotates the algorithms `algorithms` finds under the lock. The keys of `expected` are made
   * before: RSA generation takes a while, and neither the lock nor a pooled connection is held
   * meanwhile.
   */
  private async run(
    by: RotationActor,
    expected: SigningAlgorithm[],
    algorithms: (manager: EntityManager) => Promise<SigningAlgorithm[]>,
    immediate: boolean,
  ): Promise<RotatedKey[]> {
    const ready = new Map<SigningAlgorithm, GeneratedKey>();
    for (const alg of expected) ready.set(alg, await this.keys.generateKey(alg));
    const rotated = await this.keys.changeKeys(async (manager) => {
      const due = await algorithms(manager);
      if (due.length === 0) return [];
      const generated: GeneratedKey[] = [];
      for (const alg of due) generated.push(ready.get(alg) ?? (await this.keys.generateKey(alg)));
      // Taken just before the commit that publishes the keys: all of the wait is ahead.
      const signsFrom = await this.startOfSigning(
        manager,
        immediate ? 0 : this.config.keys.publishAhead,
      );
      const retired: string[] = [];
      const withdrawn: string[] = [];
      if (immediate) {
        const all = await manager.find(SigningKeyEntity, { select: { kid: true } });
        withdrawn.push(...all.map((key) => key.kid));
        await manager.createQueryBuilder().delete().from(SigningKeyEntity).execute();
      } else {
        const old = (
          await manager.find(SigningKeyEntity, {
            where: due.map((alg) => ({ algorithm: alg, status: 'active' as const })),
          })
        ).sort(
          (a, b) =>
            due.indexOf(a.algorithm as SigningAlgorithm) -
            due.indexOf(b.algorithm as SigningAlgorithm),
        );
        // The old key signs until the new one starts, and is trusted for a day after that.
        for (const key of old) {
          await manager.update(
            SigningKeyEntity,
            { kid: key.kid },
            { status: 'retired', retiredAt: signsFrom },
          );
        }
        retired.push(...old.map((key) => key.kid));
      }
      const created: RotatedKey[] = [];
      for (const key of generated) {
        const stored = await this.keys.storeKey(manager, key, signsFrom);
        created.push({
          kid: stored.kid,
          alg: key.alg,
          createdAt: stored.createdAt,
          signsFrom: stored.signsFrom,
        });
      }
      await this.audit.record(
        {
          ...by,
          type: 'keys.rotated',
          target: { type: 'signing_keys' },
          details: {
            kids: created.map((key) => key.kid),
            signs_from: signsFrom.toISOString(),
            immediate,
            retired_kids: retired,
            withdrawn_kids: withdrawn,
          },
        },
        manager,
      );
      return created;
    });
    if (rotated.length > 0) {
      this.logger.log(
        `rotated signing keys: ${rotated.map((key) => key.kid).join(', ')}, signing from ` +
          rotated[0].signsFrom.toISOString(),
      );
      // Other processes reload on the event; this one's listener queues the reload awaited below.
      this.bus.publish({ type: 'keys.rotated' });
    }
    // With nothing rotated here, another process did it while we waited for the lock.
    await this.keys.reload();
    return rotated;
  }

  /**
   * The database's clock `aheadSeconds` from now, to the millisecond (what a JavaScript Date
   * holds, so the value read back compares equal): every process reads the switch from here.
   */
  private async startOfSigning(manager: EntityManager, aheadSeconds: number): Promise<Date> {
    const [{ at }] = await manager.query<Array<{ at: Date | string }>>(
      `SELECT date_trunc('milliseconds', clock_timestamp()) + make_interval(secs => $1) AS at`,
      [aheadSeconds],
    );
    return new Date(at);
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
