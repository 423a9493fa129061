import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { ConsentEntity } from './authorization.entities';

/** Remembered consent per user and client: a later request within the granted scopes skips the page. */
@Injectable()
export class ConsentsService {
  constructor(
    @InjectRepository(ConsentEntity) private readonly consents: Repository<ConsentEntity>,
  ) {}

  async covers(userId: string, clientId: string, scopes: string[]): Promise<boolean> {
    const consent = await this.consents.findOne({ where: { userId, clientId } });
    return consent !== null && scopes.every((scope) => consent.scopes.includes(scope));
  }

  async remember(userId: string, clientId: string, scopes: string[]): Promise<void> {
    const existing = await this.consents.findOne({ where: { userId, clientId } });
    const union = [...new Set([...(existing?.scopes ?? []), ...scopes])];
    await this.consents.upsert({ userId, clientId, scopes: union }, ['userId', 'clientId']);
  }

  /** Every consent the user remembers, newest first (the account's apps page). */
  listFor(userId: string): Promise<ConsentEntity[]> {
    return this.consents.find({ where: { userId }, order: { createdAt: 'DESC' } });
  }

  /** Forgets one consent in the caller's transaction; whether there was one. */
  async forget(manager: EntityManager, userId: string, clientId: string): Promise<boolean> {
    const result = await manager.delete(ConsentEntity, { userId, clientId });
    return (result.affected ?? 0) > 0;
  }
}
