import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { NotFoundError, ValidationFailedError } from '../common/api-error';
import { Clock } from '../common/clock';
import { RandomService } from '../crypto/random.service';
import { isUniqueViolation } from '../database/unique-violation';
import { AuditContext } from '../events/audit-context';
import { AuditLog } from '../events/audit-log.service';
import { PasskeyEntity } from './passkey.entities';

/** A passkey that a registration ceremony proved, ready to keep. */
export interface NewPasskey {
  credentialId: string;
  publicKey: Uint8Array;
  signCount: number;
  transports: string[];
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  name: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Each person's passkeys; every change and its audit event are one transaction. */
@Injectable()
export class Passkeys {
  constructor(
    @InjectRepository(PasskeyEntity) private readonly passkeys: Repository<PasskeyEntity>,
    private readonly random: RandomService,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  listFor(userId: string): Promise<PasskeyEntity[]> {
    if (!UUID.test(userId)) return Promise.resolve([]);
    return this.passkeys.find({ where: { userId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  findByCredentialId(credentialId: string): Promise<PasskeyEntity | null> {
    return this.passkeys.findOne({ where: { credentialId } });
  }

  async add(userId: string, passkey: NewPasskey, context: AuditContext): Promise<PasskeyEntity> {
    return this.passkeys.manager.transaction(async (manager) => {
      const row = manager.create(PasskeyEntity, {
        ...passkey,
        id: this.random.uuid(),
        userId,
        publicKey: Buffer.from(passkey.publicKey),
        createdAt: this.clock.date(),
        lastUsedAt: null,
      });
      try {
        await manager.insert(PasskeyEntity, row);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new ValidationFailedError([
          { field: 'response.id', problem: 'is a passkey that is already registered' },
        ]);
      }
      await this.audit.record(
        {
          ...context,
          type: 'passkey.registered',
          target: { type: 'user', id: userId },
          details: { passkey_id: row.id, name: row.name, device_type: row.deviceType },
        },
        manager,
      );
      return row;
    });
  }

  /** Removes `userId`'s passkey `id`; 404 when that person has no such passkey. */
  async remove(userId: string, id: string, context: AuditContext): Promise<void> {
    if (!UUID.test(userId) || !UUID.test(id)) throw new NotFoundError(`passkey ${id}`);
    await this.passkeys.manager.transaction(async (manager) => {
      const found = await manager.findOne(PasskeyEntity, { where: { id, userId } });
      if (!found) throw new NotFoundError(`passkey ${id}`);
      await manager.delete(PasskeyEntity, { id, userId });
      await this.audit.record(
        {
          ...context,
          type: 'passkey.removed',
          target: { type: 'user', id: userId },
          details: { passkey_id: id, name: found.name },
        },
        manager,
      );
    });
  }

  async rename(userId: string, id: string, name: string, context: AuditContext): Promise<void> {
    if (!UUID.test(userId) || !UUID.test(id)) throw new NotFoundError(`passkey ${id}`);
    await this.passkeys.manager.transaction(async (manager) => {
      const updated = await manager.update(PasskeyEntity, { id, userId }, { name });
      if (!updated.affected) throw new NotFoundError(`passkey ${id}`);
      await this.audit.record(
        {
          ...context,
          type: 'passkey.renamed',
          target: { type: 'user', id: userId },
          details: { passkey_id: id, name },
        },
        manager,
      );
    });
  }

  /**
   * After a good assertion: the new counter (§6.1.1), the BS flag, and when. Only if the stored
   * counter is still the one the assertion was judged against: of two concurrent assertions
   * with the same counter, one wins; false for the other.
   */
  async recordUse(passkey: PasskeyEntity, signCount: number, backedUp: boolean): Promise<boolean> {
    const updated = await this.passkeys.update(
      { id: passkey.id, signCount: passkey.signCount },
      { signCount, backedUp, lastUsedAt: this.clock.date() },
    );
    return (updated.affected ?? 0) > 0;
  }
}
