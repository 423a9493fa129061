import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository } from 'typeorm';
import { Housekeeping } from '../database/housekeeping.service';
import { RandomService } from '../crypto/random.service';
import { AuthorizationRequest } from './authorization-request';
import { InteractionEntity } from './authorization.entities';
import { Clock } from '../common/clock';

/** How long a person has to sign in and consent before the request must start again. */
const INTERACTION_TTL_MS = 10 * 60 * 1000;

/** Pending authorization requests, by an unguessable id the login and consent pages carry. */
@Injectable()
export class InteractionsService {
  constructor(
    @InjectRepository(InteractionEntity)
    private readonly interactions: Repository<InteractionEntity>,
    private readonly random: RandomService,
    private readonly clock: Clock,
    housekeeping: Housekeeping,
  ) {
    housekeeping.register('interactions', `DELETE FROM "interactions" WHERE "expires_at" < now()`);
  }

  async create(request: AuthorizationRequest): Promise<string> {
    const id = this.random.token(24);
    await this.interactions.insert({
      id,
      request,
      expiresAt: new Date(this.clock.now() + INTERACTION_TTL_MS),
    });
    return id;
  }

  async find(id: string | undefined): Promise<AuthorizationRequest | null> {
    if (!id || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) return null;
    const found = await this.interactions.findOne({
      where: { id, expiresAt: MoreThan(this.clock.date()) },
    });
    return found?.request ?? null;
  }

  async finish(id: string): Promise<void> {
    await this.interactions.delete({ id });
  }
}
