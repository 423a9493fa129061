import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  JSONWebKeySet,
  JWK,
} from 'jose';
import { createPrivateKey } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { JwsSigner } from './jws-signer';
import { KeyEncryption } from './key-encryption.service';
import { SigningKeyEntity } from './signing-key.entity';

export type SigningAlgorithm = 'ES256' | 'EdDSA' | 'RS256';

/** Serializes key creation across every process that shares the database. */
const KEY_LOCK = 7_364_829_101;

/**
 * The signing key store: keys are generated on first start, kept in the database with the
 * private half encrypted, and held in memory for signing. Access tokens use the configured
 * algorithm (ES256 by default); RS256 always exists for ID tokens (OIDC Core §15.1).
 */
@Injectable()
export class SigningKeys implements OnModuleInit {
  private readonly logger = new Logger(SigningKeys.name);
  private active = new Map<SigningAlgorithm, JwsSigner>();
  private published: JSONWebKeySet = { keys: [] };
  private localKeySet = createLocalJWKSet({ keys: [] });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly encryption: KeyEncryption,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.ensureActiveKeys();
    await this.load();
  }

  /** The signer (current key) new tokens of `alg` are signed with. */
  current(alg: SigningAlgorithm): JwsSigner {
    const key = this.active.get(alg);
    if (!key) throw new Error(`no active ${alg} signing key`);
    return key;
  }

  /** RFC 7517 JWK Set: the public halves of every key whose tokens may still be valid. */
  jwks(): JSONWebKeySet {
    return this.published;
  }

  /** Resolves a JWS header to its verification key (for jose's jwtVerify). */
  get keySet(): ReturnType<typeof createLocalJWKSet> {
    return this.localKeySet;
  }

  private requiredAlgorithms(): SigningAlgorithm[] {
    return [...new Set<SigningAlgorithm>([this.config.keys.accessTokenAlgorithm, 'RS256'])];
  }

  private async ensureActiveKeys(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
      for (const alg of this.requiredAlgorithms()) {
        const existing = await manager.findOne(SigningKeyEntity, {
          where: { algorithm: alg, status: 'active' },
        });
        if (!existing) await this.createKey(manager, alg);
      }
    });
  }

  private async createKey(manager: EntityManager, alg: SigningAlgorithm): Promise<void> {
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
  }

  private async load(): Promise<void> {
    const keys = await this.dataSource.getRepository(SigningKeyEntity).find({
      order: { createdAt: 'DESC' },
    });
    const active = new Map<SigningAlgorithm, JwsSigner>();
    for (const row of keys.filter((k) => k.status === 'active')) {
      const alg = row.algorithm as SigningAlgorithm;
      if (active.has(alg)) continue;
      const pem = this.encryption.decrypt(row.privateKeyEncrypted).toString('utf8');
      active.set(alg, new JwsSigner(row.kid, alg, createPrivateKey(pem)));
    }
    this.active = active;
    this.published = { keys: keys.map((k) => k.publicJwk as JWK) };
    this.localKeySet = createLocalJWKSet(this.published);
  }
}
