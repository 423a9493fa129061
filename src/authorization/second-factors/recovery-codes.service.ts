import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHmac, randomInt } from 'node:crypto';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { Clock } from '../../common/clock';
import { KeyEncryption } from '../../crypto/key-encryption.service';
import {
  SecondFactorKind,
  SecondFactorRegistry,
  SecondFactorSummary,
} from './second-factor.registry';
import { RecoveryCodeEntity } from './second-factor.entities';

/** How many codes a person gets at a time. */
export const RECOVERY_CODE_COUNT = 10;
/** Letters and digits without look-alikes (0/O, 1/I/L, U/V): 30 symbols. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
/** 12 symbols: about 59 bits, shown as three groups of four. */
const CODE_LENGTH = 12;

/** A recovery code as typed: case, spaces and dashes do not matter. */
export function normalizeRecoveryCode(typed: string): string | undefined {
  const code = typed.replace(/[\s-]/g, '').toUpperCase();
  return code.length === CODE_LENGTH && [...code].every((c) => ALPHABET.includes(c))
    ? code
    : undefined;
}

/**
 * Recovery codes: ten single-use codes a person keeps on paper for when the authenticator is
 * lost. Shown once, stored as HMAC-SHA256 under a key derived from KEY_ENCRYPTION_KEY (a copy
 * of the table alone does not let anyone try codes offline), used up by one atomic UPDATE.
 */
@Injectable()
export class RecoveryCodes implements SecondFactorKind {
  readonly kind = 'recovery_codes';
  private readonly key: Buffer;

  constructor(
    @InjectRepository(RecoveryCodeEntity)
    private readonly codes: Repository<RecoveryCodeEntity>,
    private readonly clock: Clock,
    encryption: KeyEncryption,
    registry: SecondFactorRegistry,
  ) {
    this.key = encryption.derivedKey('recovery codes');
    registry.register(this);
  }

  /** Recovery codes alone do not make a second factor: they back up another one. */
  enrolled(): Promise<boolean> {
    return Promise.resolve(false);
  }

  async remaining(userId: string): Promise<number> {
    return this.remainingIn(userId, this.codes.manager);
  }

  async remainingIn(userId: string, manager: EntityManager): Promise<number> {
    return manager.countBy(RecoveryCodeEntity, { userId, usedAt: IsNull() });
  }

  async list(userId: string): Promise<SecondFactorSummary[]> {
    const all = await this.codes.find({ where: { userId }, order: { createdAt: 'ASC' } });
    if (all.length === 0) return [];
    return [
      {
        kind: this.kind,
        id: userId,
        label: 'Recovery codes',
        createdAt: all[0].createdAt,
        details: { remaining: all.filter((code) => !code.usedAt).length, total: all.length },
      },
    ];
  }

  async removeAll(userId: string, manager: EntityManager): Promise<number> {
    const result = await manager.delete(RecoveryCodeEntity, { userId });
    return result.affected ?? 0;
  }

  /** Replaces the user's codes with new ones; returns them formatted, to show this once. */
  async regenerate(userId: string, manager: EntityManager): Promise<string[]> {
    await manager.delete(RecoveryCodeEntity, { userId });
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => this.newCode());
    await manager.insert(
      RecoveryCodeEntity,
      codes.map((code) => ({ userId, codeHash: this.hash(code), usedAt: null })),
    );
    return codes.map((code) => code.match(/.{4}/g)!.join('-'));
  }

  /** Uses a code up; true when it was the user's and unused. */
  async use(userId: string, typed: string, manager: EntityManager): Promise<boolean> {
    const code = normalizeRecoveryCode(typed);
    if (!code) return false;
    // Looked up by its HMAC: the database compares digests, never the code.
    const result = await manager.update(
      RecoveryCodeEntity,
      { userId, codeHash: this.hash(code), usedAt: IsNull() },
      { usedAt: this.clock.date() },
    );
    return (result.affected ?? 0) === 1;
  }

  private newCode(): string {
    return Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  }

  private hash(code: string): string {
    return createHmac('sha256', this.key).update(code).digest('hex');
  }
}
