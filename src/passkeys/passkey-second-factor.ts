import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  AccountPageContext,
  ChallengePageContext,
  SecondFactorKind,
  SecondFactorRegistry,
  SecondFactorSummary,
} from '../authorization/second-factors/second-factor.registry';
import { Html } from '../authorization/views/html';
import { PasskeyEntity } from './passkey.entities';
import { Passkeys } from './passkeys.service';
import { RelyingParty } from './relying-party';
import { passkeySecondFactorOption } from './views/passkey-second-factor-option';
import { passkeysSection } from './views/passkeys-section';

/**
 * Passkeys as a kind of second factor (docs/passkeys.md, As a second factor): a person with a
 * passkey has a second factor, and the second-factor step offers "Use a passkey".
 */
@Injectable()
export class PasskeySecondFactor implements SecondFactorKind {
  readonly kind = 'passkey';

  constructor(
    private readonly passkeys: Passkeys,
    private readonly relyingParty: RelyingParty,
    registry: SecondFactorRegistry,
  ) {
    if (relyingParty.enabled) registry.register(this);
  }

  async enrolled(userId: string): Promise<boolean> {
    return (await this.passkeys.listFor(userId)).length > 0;
  }

  async list(userId: string): Promise<SecondFactorSummary[]> {
    return (await this.passkeys.listFor(userId)).map((passkey) => ({
      kind: this.kind,
      id: passkey.credentialId,
      label: passkey.name,
      createdAt: passkey.createdAt,
      details: { device_type: passkey.deviceType, last_used_at: passkey.lastUsedAt },
    }));
  }

  async removeAll(userId: string, manager: EntityManager): Promise<number> {
    const removed = await manager.delete(PasskeyEntity, { userId });
    return removed.affected ?? 0;
  }

  async challengeOption(context: ChallengePageContext): Promise<Html | undefined> {
    if (!(await this.enrolled(context.userId))) return undefined;
    return passkeySecondFactorOption({ csrf: context.csrf });
  }

  async accountSection(context: AccountPageContext): Promise<Html | undefined> {
    const passkeys = await this.passkeys.listFor(context.userId);
    return passkeysSection({ names: passkeys.map((passkey) => passkey.name) });
  }
}
