import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  And,
  DataSource,
  FindOperator,
  FindOptionsWhere,
  LessThan,
  Like,
  MoreThanOrEqual,
} from 'typeorm';
import { ValidationFailedError } from '../common/api-error';
import { Page } from '../common/pagination.dto';
import { AuditEventEntity } from './audit-event.entity';
import { AuditEventsQuery } from './audit-events.dto';

/** PostgreSQL LIKE escapes with a backslash by default; `_` and `%` are wildcards. */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, '\\$&')}%`;
}

/** Reads the audit log for the admin API: filtered, newest first, one page at a time. */
@Injectable()
export class AuditEvents {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(query: AuditEventsQuery): Promise<Page<AuditEventEntity>> {
    const [items, total] = await this.dataSource.getRepository(AuditEventEntity).findAndCount({
      where: this.where(query),
      order: { occurredAt: 'DESC', id: 'DESC' },
      take: query.limit,
      skip: query.offset,
    });
    return { items, total };
  }

  private where(query: AuditEventsQuery): FindOptionsWhere<AuditEventEntity> {
    const since = query.since ? new Date(query.since) : undefined;
    const until = query.until ? new Date(query.until) : undefined;
    if (since && until && since > until) {
      throw new ValidationFailedError([{ field: 'until', problem: 'must not be before since' }]);
    }
    const time: FindOperator<Date>[] = [];
    if (since) time.push(MoreThanOrEqual(since));
    // occurred_at has microseconds, the API shows milliseconds: `until` takes in its whole
    // millisecond, so an event's own occurred_at, sent back, includes that event.
    if (until) time.push(LessThan(new Date(until.getTime() + 1)));
    const where: FindOptionsWhere<AuditEventEntity> = {};
    if (query.type) {
      where.type = query.type.endsWith('.') ? Like(likePrefix(query.type)) : query.type;
    }
    if (query.outcome) where.outcome = query.outcome;
    if (query.actor_id) where.actorId = query.actor_id;
    if (query.target_id) where.targetId = query.target_id;
    if (time.length > 0) where.occurredAt = time.length === 1 ? time[0] : And(...time);
    return where;
  }
}
