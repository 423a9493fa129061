import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Not, Repository } from 'typeorm';
import { Clock } from '../../common/clock';
import { KeyEncryption } from '../../crypto/key-encryption.service';
import {
  SecondFactorKind,
  SecondFactorRegistry,
  SecondFactorSummary,
} from './second-factor.registry';
import { TotpAuthenticatorEntity } from './second-factor.entities';
import { newTotpSecret, totpTimeStep } from './totp-codes';

/** Why a TOTP code was not accepted. */
export type TotpRefusal = 'no_authenticator' | 'wrong_code' | 'replayed';

/** The registry's name for an authenticator app (RFC 6238 TOTP). */
export const TOTP_KIND = 'totp';

/**
 * TOTP authenticators (RFC 6238): enrolment (a new sealed seed, confirmed by a first code),
 * checking codes once each, removal. A code's time step is claimed in the database with one
 * conditional UPDATE, so two processes given the same code accept it at most once.
 */
@Injectable()
export class TotpAuthenticators implements SecondFactorKind {
  readonly kind = TOTP_KIND;

  constructor(
    @InjectRepository(TotpAuthenticatorEntity)
    private readonly authenticators: Repository<TotpAuthenticatorEntity>,
    private readonly encryption: KeyEncryption,
    private readonly clock: Clock,
    registry: SecondFactorRegistry,
  ) {
    registry.register(this);
  }

  async enrolled(userId: string): Promise<boolean> {
    return this.authenticators.exists({ where: { userId, confirmedAt: Not(IsNull()) } });
  }

  async list(userId: string): Promise<SecondFactorSummary[]> {
    const found = await this.authenticators.findOneBy({ userId, confirmedAt: Not(IsNull()) });
    if (!found) return [];
    return [
      { kind: this.kind, id: found.id, label: 'Authenticator app', createdAt: found.confirmedAt! },
    ];
  }

  async removeAll(userId: string, manager: EntityManager): Promise<number> {
    const result = await manager.delete(TotpAuthenticatorEntity, { userId });
    return result.affected ?? 0;
  }

  /**
   * Begins an enrolment: a new seed, kept sealed and unconfirmed until the person proves it
   * with a first code. Null when an authenticator is already on (one per person: remove it
   * first). Returns the seed, to show the person.
   */
  async begin(userId: string): Promise<string | null> {
    const secret = newTotpSecret();
    return this.authenticators.manager.transaction(async (manager) => {
      if (await manager.existsBy(TotpAuthenticatorEntity, { userId, confirmedAt: Not(IsNull()) }))
        return null;
      await manager.delete(TotpAuthenticatorEntity, { userId });
      await manager.insert(TotpAuthenticatorEntity, {
        userId,
        sealedSecret: this.encryption.encrypt(Buffer.from(secret, 'utf8')),
        confirmedAt: null,
        lastTimeStep: null,
      });
      return secret;
    });
  }

  /** The seed of an enrolment not yet confirmed, to show again (the page was reloaded). */
  async pendingSecret(userId: string): Promise<string | null> {
    const found = await this.authenticators.findOneBy({ userId, confirmedAt: IsNull() });
    return found ? this.unseal(found) : null;
  }

  /** Confirms the pending enrolment with a first code; the code is used up like any other. */
  async confirm(userId: string, code: string, manager: EntityManager): Promise<boolean> {
    const found = await manager.findOneBy(TotpAuthenticatorEntity, {
      userId,
      confirmedAt: IsNull(),
    });
    if (!found) return false;
    const step = await this.claim(found, code, manager);
    if (step === null) return false;
    await manager.update(
      TotpAuthenticatorEntity,
      { id: found.id },
      { confirmedAt: this.clock.date() },
    );
    return true;
  }

  /** Checks a sign-in code against the confirmed authenticator, using its time step up. */
  async check(userId: string, code: string, manager: EntityManager): Promise<TotpRefusal | null> {
    const found = await manager.findOneBy(TotpAuthenticatorEntity, {
      userId,
      confirmedAt: Not(IsNull()),
    });
    if (!found) return 'no_authenticator';
    const secret = this.unseal(found);
    const step = await totpTimeStep(secret, code, Math.floor(this.clock.now() / 1000));
    if (step === null) return 'wrong_code';
    return (await this.claimStep(found.id, step, manager)) ? null : 'replayed';
  }

  private async claim(
    found: TotpAuthenticatorEntity,
    code: string,
    manager: EntityManager,
  ): Promise<number | null> {
    const step = await totpTimeStep(this.unseal(found), code, Math.floor(this.clock.now() / 1000));
    if (step === null) return null;
    return (await this.claimStep(found.id, step, manager)) ? step : null;
  }

  /**
   * RFC 6238 §5.2: "the verifier MUST NOT accept the second attempt of the OTP after the
   * successful validation has been issued for the first OTP". Only a step newer than every
   * step accepted before is claimed, atomically.
   */
  private async claimStep(id: string, step: number, manager: EntityManager): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(TotpAuthenticatorEntity)
      .set({ lastTimeStep: String(step) })
      .where('id = :id', { id })
      .andWhere('(last_time_step IS NULL OR last_time_step < :step)', { step })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  private unseal(found: TotpAuthenticatorEntity): string {
    return this.encryption.decrypt(found.sealedSecret).toString('utf8');
  }
}
