import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditEventEntity } from './audit-event.entity';

export interface AuditEntry {
  type: string;
  outcome?: 'success' | 'failure';
  actor: { type: AuditEventEntity['actorType']; id?: string | null };
  target?: { type: string; id?: string | null };
  /** Where the request came from. */
  ip?: string | null;
  userAgent?: string | null;
  /** Non-secret specifics only: never a secret, password, code or token. */
  details?: Record<string, unknown>;
  /** The client a person acted through: kept as `details.client_id` unless details name one. */
  clientId?: string;
}

/**
 * Writes security events to the audit_events table. Pass the caller's transaction manager when
 * the event belongs to a change that must not half-happen.
 */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger(AuditLog.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(entry: AuditEntry, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.insert(AuditEventEntity, {
      // The time of this statement, not of its transaction's start (now()): the events of one
      // transaction keep the order they were recorded in, newest first.
      occurredAt: () => 'clock_timestamp()',
      type: entry.type,
      outcome: entry.outcome ?? 'success',
      actorType: entry.actor.type,
      // Cut to the columns' sizes: a long header must not turn an event into an error.
      actorId: entry.actor.id?.slice(0, 128) ?? null,
      targetType: entry.target?.type ?? null,
      targetId: entry.target?.id?.slice(0, 128) ?? null,
      ip: entry.ip?.slice(0, 64) ?? null,
      userAgent: entry.userAgent?.slice(0, 512) ?? null,
      details: (entry.clientId
        ? { client_id: entry.clientId, ...entry.details }
        : (entry.details ?? {})) as AuditEventEntity['details'] & object,
    });
  }

  /**
   * For events outside any transaction whose loss must not fail the request (login failures):
   * waits for the insert, logs a failure, never rejects.
   */
  async recordSafely(entry: AuditEntry): Promise<void> {
    try {
      await this.record(entry);
    } catch (error) {
      this.logger.error(
        `could not record ${entry.type}: ${error instanceof Error ? error.message : 'unknown error'}`,
      );
    }
  }

  /** As `recordSafely`, without waiting. */
  recordQuietly(entry: AuditEntry): void {
    void this.recordSafely(entry);
  }
}
