import { Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  errors,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  JSONWebKeySet,
  JWK,
  JWTVerifyGetKey,
} from 'jose';
import { createHash, createPrivateKey } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ConfigError } from '../config/load-config';
import { Housekeeping } from '../database/housekeeping.service';
import { ChangeBus } from '../events/change-bus.service';
import { JwsSigner } from './jws-signer';
import { KeyEncryption } from './key-encryption.service';
import { SIGNING_ALGORITHMS, SigningAlgorithm } from './signing-algorithms';
import { KeyStateView, toKeyStateViews } from './key-states';
import { SigningKeyEntity } from './signing-key.entity';
import { Clock } from '../common/clock';
import { Metrics, SigningKeyAge } from '../metrics/metrics';

export type { SigningAlgorithm } from './signing-algorithms';

/** Serializes key creation and rotation across every process that shares the database. */
const KEY_LOCK = 7_364_829_101;

/**
 * How long a retired key stays published and trusted: the longest token lifetime (access and
 * ID tokens live at most 86400 s by settings) plus five minutes for processes that learn of a
 * rotation late and for clock skew between them.
 */
export const RETIRED_KEY_RETENTION_SECONDS = 86_400 + 300;

/** An unknown `kid` makes us look in the database at most this often (it may be brand new). */
const UNKNOWN_KID_RELOAD_COOLDOWN_MS = 5_000;

/** A key pair made by generateKey, not stored yet. */
export interface GeneratedKey {
  kid: string;
  alg: SigningAlgorithm;
  publicJwk: JWK;
  privateKeyEncrypted: string;
}

export interface PublishedJwks {
  set: JSONWebKeySet;
  etag: string;
}

interface PublishedKey {
  jwk: JWK;
  /** Epoch ms after which the key leaves /jwks; Infinity while it is active. */
  until: number;
}

/** A key that signs from `from` (epoch ms) until a newer key's time comes. */
interface ScheduledSigner {
  signer: JwsSigner;
  from: number;
}

/**
 * The signing key store: keys are generated on first start, kept in the database with the
 * private half encrypted, and held in memory for signing. Every algorithm in SIGNING_ALGORITHMS
 * has a key at all times (access tokens use the configured one, ID tokens the client's). After
 * a rotation (KeyRotation) every process reloads: the new key is published in /jwks at once and
 * signs from its stored `signs_from`, in every process at the same instant; the retired one
 * still verifies until every token it signed has expired.
 */
@Injectable()
export class SigningKeys implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SigningKeys.name);
  /** Per algorithm, the keys that sign now or will: newest `from` first. */
  private signers = new Map<SigningAlgorithm, ScheduledSigner[]>();
  private keys: PublishedKey[] = [];
  private trusted = new Set<string>();
  private withdrawals = 0;
  private published: PublishedJwks = { set: { keys: [] }, etag: '' };
  private localKeySet = createLocalJWKSet({ keys: [] });
  /** Epoch ms at which the next retired key leaves the published set. */
  private nextExpiry = Infinity;
  private loading: Promise<void> = Promise.resolve();
  private queued?: Promise<void>;
  private lastUnknownKidReload = 0;
  private unsubscribe?: () => void;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly encryption: KeyEncryption,
    private readonly config: AppConfig,
    private readonly bus: ChangeBus,
    housekeeping: Housekeeping,
    private readonly clock: Clock,
    @Optional() metrics: Metrics = Metrics.off(),
  ) {
    metrics.watchSigningKey(() => this.currentAccessTokenKey());
    housekeeping.register(
      'signing_keys',
      `DELETE FROM "signing_keys" WHERE "status" = 'retired'
         AND "retired_at" < now() - interval '${RETIRED_KEY_RETENTION_SECONDS} seconds'`,
    );
  }

  async onModuleInit(): Promise<void> {
    this.unsubscribe = this.bus.subscribe((event) => {
      if (event.type === 'keys.rotated' || event.type === 'resync') {
        this.reload().catch((error: unknown) =>
          this.logger.error(`could not reload signing keys: ${String(error)}`),
        );
      }
    });
    await this.changeKeys(async (manager) => {
      for (const alg of this.requiredAlgorithms()) {
        const existing = await manager.findOne(SigningKeyEntity, {
          where: { algorithm: alg, status: 'active' },
        });
        if (!existing) await this.createKey(manager, alg);
      }
    });
    await this.reload();
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /**
   * The signer new tokens of `alg` are signed with now: the newest key whose `signs_from` has
   * come. Every key here is already in this process's /jwks. When none has started (the keys
   * before an immediate rotation are gone and this clock is a little behind the database's),
   * the earliest one: there is nothing else to sign with.
   */
  current(alg: SigningAlgorithm): JwsSigner {
    const schedule = this.signers.get(alg);
    if (!schedule || schedule.length === 0) throw new Error(`no active ${alg} signing key`);
    const now = this.clock.now();
    for (const entry of schedule) if (entry.from <= now) return entry.signer;
    return schedule[schedule.length - 1].signer;
  }

  /** The key access tokens are signed with now, and since when (the signing key age metric). */
  private currentAccessTokenKey(): SigningKeyAge | undefined {
    const schedule = this.signers.get(this.config.keys.accessTokenAlgorithm);
    if (!schedule || schedule.length === 0) return undefined;
    const now = this.clock.now();
    const entry = schedule.find((candidate) => candidate.from <= now) ?? schedule.at(-1);
    return entry && { kid: entry.signer.kid, createdAt: entry.from };
  }

  /**
   * Changes each time a key stops being trusted (withdrawn by an immediate rotation, or its
   * retention over), so that caches of verified tokens know to forget them.
   */
  get trustEpoch(): number {
    this.dropExpired();
    return this.withdrawals;
  }

  /**
   * RFC 7517 JWK Set: the public halves of every key whose tokens may still be valid, with its
   * RFC 9110 §8.8.3 strong entity tag (a digest of the content, the same in every process).
   */
  jwks(): PublishedJwks {
    this.dropExpired();
    return this.published;
  }

  /**
   * Resolves a JWS header to its verification key (for jose's jwtVerify). An unknown `kid` may
   * be a key another process has just made: look in the database once, then decide.
   */
  readonly keySet: JWTVerifyGetKey = async (header, token) => {
    this.dropExpired();
    try {
      return await this.localKeySet(header, token);
    } catch (error) {
      const now = this.clock.now();
      if (
        !(error instanceof errors.JWKSNoMatchingKey) ||
        now - this.lastUnknownKidReload < UNKNOWN_KID_RELOAD_COOLDOWN_MS
      ) {
        throw error;
      }
      this.lastUnknownKidReload = now;
      await this.reload();
      return this.localKeySet(header, token);
    }
  };

  /** Every algorithm Gatehouse signs with; each has exactly one active key. */
  requiredAlgorithms(): SigningAlgorithm[] {
    return [...SIGNING_ALGORITHMS];
  }

  /** Every stored key and where it stands now (key-states.ts); never key material. */
  async states(): Promise<KeyStateView[]> {
    const rows = await this.dataSource.getRepository(SigningKeyEntity).find({
      select: { kid: true, algorithm: true, createdAt: true, signsFrom: true, retiredAt: true },
    });
    return toKeyStateViews(rows, this.clock.now());
  }

  /** Runs `work` in a transaction holding the key lock: one process at a time changes keys. */
  changeKeys<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
      return work(manager);
    });
  }

  /** Generates a key pair of `alg`, ready to store (generation is slow for RSA: do it first). */
  async generateKey(alg: SigningAlgorithm): Promise<GeneratedKey> {
    const { publicKey, privateKey } = await generateKeyPair(alg, {
      extractable: true,
      ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
    });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const pkcs8 = await exportPKCS8(privateKey);
    return {
      kid,
      alg,
      publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
      privateKeyEncrypted: this.encryption.encrypt(Buffer.from(pkcs8)),
    };
  }

  /**
   * Stores a generated key as the active key of its algorithm (inside changeKeys), signing from
   * `signsFrom` (default: the transaction's start, at once).
   */
  async storeKey(
    manager: EntityManager,
    key: GeneratedKey,
    signsFrom?: Date,
  ): Promise<SigningKeyEntity> {
    await manager.insert(SigningKeyEntity, {
      kid: key.kid,
      algorithm: key.alg,
      publicJwk: key.publicJwk,
      privateKeyEncrypted: key.privateKeyEncrypted,
      status: 'active',
      ...(signsFrom ? { signsFrom } : {}),
    });
    this.logger.log(`generated ${key.alg} signing key ${key.kid}`);
    return manager.findOneByOrFail(SigningKeyEntity, { kid: key.kid });
  }

  /** Generates and stores a key that signs at once (the first key of an algorithm). */
  async createKey(manager: EntityManager, alg: SigningAlgorithm): Promise<SigningKeyEntity> {
    return this.storeKey(manager, await this.generateKey(alg));
  }

  /**
   * Reads the keys from the database again. Loads run one after another, so an older answer
   * never overwrites a newer one; a request made while one waits to start joins it.
   */
  reload(): Promise<void> {
    if (!this.queued) {
      const next = this.loading
        .catch(() => undefined)
        .then(() => {
          this.queued = undefined;
          return this.load();
        });
      this.queued = next;
      this.loading = next;
    }
    return this.queued;
  }

  /**
   * A stored private key, opened. A key-encryption key other than the one that sealed it cannot
   * open it (AES-GCM's tag fails): a setting problem, said as one rather than as a crypto error.
   */
  private privateKeyPem(row: SigningKeyEntity): string {
    try {
      return this.encryption.decrypt(row.privateKeyEncrypted).toString('utf8');
    } catch {
      throw new ConfigError([
        `KEY_ENCRYPTION_KEY: cannot open the stored signing key ${row.kid}; it was sealed with another key-encryption key (docs/configuration.md)`,
      ]);
    }
  }

  private async load(): Promise<void> {
    const rows = await this.dataSource.getRepository(SigningKeyEntity).find({
      order: { createdAt: 'DESC', algorithm: 'ASC', kid: 'ASC' },
    });
    const now = this.clock.now();
    const signers = new Map<SigningAlgorithm, ScheduledSigner[]>();
    // Keys that sign now or will: active ones, and retired ones whose successor has not started.
    for (const row of rows.filter((k) => !k.retiredAt || k.retiredAt.getTime() > now)) {
      const alg = row.algorithm as SigningAlgorithm;
      const pem = this.privateKeyPem(row);
      const schedule = signers.get(alg) ?? [];
      schedule.push({
        signer: new JwsSigner(row.kid, alg, createPrivateKey(pem)),
        from: row.signsFrom.getTime(),
      });
      signers.set(alg, schedule);
    }
    for (const schedule of signers.values()) schedule.sort((a, b) => b.from - a.from);
    this.signers = signers;
    this.keys = rows.map((row) => ({
      jwk: row.publicJwk,
      until:
        row.status === 'active' || !row.retiredAt
          ? Infinity
          : row.retiredAt.getTime() + RETIRED_KEY_RETENTION_SECONDS * 1000,
    }));
    this.publish();
  }

  /** A retired key whose tokens have all expired leaves /jwks and the verification key set. */
  private dropExpired(): void {
    if (this.clock.now() >= this.nextExpiry) this.publish();
  }

  private publish(): void {
    const now = this.clock.now();
    const live = this.keys.filter((key) => key.until > now);
    this.keys = live;
    const trusted = new Set(live.map((key) => String(key.jwk.kid)));
    if ([...this.trusted].some((kid) => !trusted.has(kid))) this.withdrawals++;
    this.trusted = trusted;
    this.nextExpiry = Math.min(Infinity, ...live.map((key) => key.until));
    const set = { keys: live.map((key) => key.jwk) };
    const digest = createHash('sha256').update(JSON.stringify(set)).digest('base64url');
    this.published = { set, etag: `"${digest}"` };
    this.localKeySet = createLocalJWKSet(set);
  }
}
