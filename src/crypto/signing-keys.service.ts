import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
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
import { Housekeeping } from '../database/housekeeping.service';
import { ChangeBus } from '../events/change-bus.service';
import { JwsSigner } from './jws-signer';
import { KeyEncryption } from './key-encryption.service';
import { SigningKeyEntity } from './signing-key.entity';

export type SigningAlgorithm = 'ES256' | 'EdDSA' | 'RS256';

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

export interface PublishedJwks {
  set: JSONWebKeySet;
  etag: string;
}

interface PublishedKey {
  jwk: JWK;
  /** Epoch ms after which the key leaves /jwks; Infinity while it is active. */
  until: number;
}

/**
 * The signing key store: keys are generated on first start, kept in the database with the
 * private half encrypted, and held in memory for signing. Access tokens use the configured
 * algorithm (ES256 by default); RS256 always exists for ID tokens (OIDC Core §15.1). After a
 * rotation (KeyRotation) every process reloads: the new key signs at once, the retired one
 * still verifies until every token it signed has expired.
 */
@Injectable()
export class SigningKeys implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SigningKeys.name);
  private active = new Map<SigningAlgorithm, JwsSigner>();
  private keys: PublishedKey[] = [];
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
  ) {
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

  /** The signer (current key) new tokens of `alg` are signed with. */
  current(alg: SigningAlgorithm): JwsSigner {
    const key = this.active.get(alg);
    if (!key) throw new Error(`no active ${alg} signing key`);
    return key;
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
      const now = Date.now();
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

  /** The access-token algorithm and RS256 (ID tokens): each has exactly one active key. */
  requiredAlgorithms(): SigningAlgorithm[] {
    return [...new Set<SigningAlgorithm>([this.config.keys.accessTokenAlgorithm, 'RS256'])];
  }

  /** Runs `work` in a transaction holding the key lock: one process at a time changes keys. */
  changeKeys<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
      return work(manager);
    });
  }

  /** Generates a key pair and stores it as the active key of `alg` (inside changeKeys). */
  async createKey(manager: EntityManager, alg: SigningAlgorithm): Promise<SigningKeyEntity> {
    const { publicKey, privateKey } = await generateKeyPair(alg, {
      extractable: true,
      ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
    });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const pkcs8 = await exportPKCS8(privateKey);
    await manager.insert(SigningKeyEntity, {
      kid,
      algorithm: alg,
      publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
      privateKeyEncrypted: this.encryption.encrypt(Buffer.from(pkcs8)),
      status: 'active',
    });
    this.logger.log(`generated ${alg} signing key ${kid}`);
    return manager.findOneByOrFail(SigningKeyEntity, { kid });
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

  private async load(): Promise<void> {
    const rows = await this.dataSource.getRepository(SigningKeyEntity).find({
      order: { createdAt: 'DESC', algorithm: 'ASC', kid: 'ASC' },
    });
    const active = new Map<SigningAlgorithm, JwsSigner>();
    for (const row of rows.filter((k) => k.status === 'active')) {
      const alg = row.algorithm as SigningAlgorithm;
      if (active.has(alg)) continue;
      const pem = this.encryption.decrypt(row.privateKeyEncrypted).toString('utf8');
      active.set(alg, new JwsSigner(row.kid, alg, createPrivateKey(pem)));
    }
    this.active = active;
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
    if (Date.now() >= this.nextExpiry) this.publish();
  }

  private publish(): void {
    const now = Date.now();
    const live = this.keys.filter((key) => key.until > now);
    this.keys = live;
    this.nextExpiry = Math.min(Infinity, ...live.map((key) => key.until));
    const set = { keys: live.map((key) => key.jwk) };
    const digest = createHash('sha256').update(JSON.stringify(set)).digest('base64url');
    this.published = { set, etag: `"${digest}"` };
    this.localKeySet = createLocalJWKSet(set);
  }
}
