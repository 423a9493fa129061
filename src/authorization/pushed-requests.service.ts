import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { Housekeeping } from '../database/housekeeping.service';
import { RandomService } from '../crypto/random.service';
import { sha256 } from '../crypto/secret-hasher.service';
import { PushedAuthorizationRequestEntity } from './authorization.entities';

/** RFC 9126 §2.2: the URN prefix of every `request_uri` this server issues. */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';
const REFERENCE = /^[A-Za-z0-9_-]{32,64}$/;

/**
 * Pushed authorization requests (RFC 9126): stored by the SHA-256 of the random reference in
 * their `request_uri`, for PUSHED_AUTHORIZATION_REQUEST_LIFETIME seconds, used once (§7.3).
 */
@Injectable()
export class PushedRequests {
  constructor(
    @InjectRepository(PushedAuthorizationRequestEntity)
    private readonly requests: Repository<PushedAuthorizationRequestEntity>,
    private readonly random: RandomService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    housekeeping: Housekeeping,
  ) {
    housekeeping.register(
      'pushed_authorization_requests',
      `DELETE FROM "pushed_authorization_requests" WHERE "expires_at" < now()`,
    );
  }

  /** Stores validated parameters; the `request_uri` and its lifetime in seconds. */
  async push(
    clientId: string,
    params: Record<string, string>,
  ): Promise<{ requestUri: string; expiresIn: number }> {
    const reference = this.random.token(32);
    const expiresIn = this.config.pushedAuthorizationRequestLifetime;
    await this.requests.insert({
      referenceHash: sha256(reference),
      clientId,
      params,
      expiresAt: new Date(this.clock.now() + expiresIn * 1000),
      usedAt: null,
    });
    return { requestUri: REQUEST_URI_PREFIX + reference, expiresIn };
  }

  /**
   * The parameters pushed by `clientId` under `requestUri`, marked used in the same statement:
   * of two concurrent uses one gets them, the other null, as do unknown, expired, used and
   * another client's request URIs.
   */
  async use(requestUri: string, clientId: string): Promise<Record<string, string> | null> {
    if (!requestUri.startsWith(REQUEST_URI_PREFIX)) return null;
    const reference = requestUri.slice(REQUEST_URI_PREFIX.length);
    if (!REFERENCE.test(reference)) return null;
    const now = this.clock.date();
    const result = await this.requests
      .createQueryBuilder()
      .update()
      .set({ usedAt: now })
      .where('reference_hash = :hash', { hash: sha256(reference) })
      .andWhere('client_id = :clientId', { clientId })
      .andWhere('used_at IS NULL')
      .andWhere('expires_at > :now', { now })
      .returning(['params'])
      .execute();
    const rows = result.raw as Array<{ params: Record<string, string> }>;
    return rows.length === 1 ? rows[0].params : null;
  }
}
