import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PaginationQuery } from '../common/pagination.dto';
import { AuditEventEntity } from './audit-event.entity';

/** An event type (`client.created`), or a prefix of one ending in a dot (`client.`). */
const TYPE_FILTER = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.?$/;

/** `GET /admin/audit-events` filters; every one optional, all of them combined with AND. */
export class AuditEventsQuery extends PaginationQuery {
  @ApiPropertyOptional({
    example: 'client.',
    description: 'An exact type (`login.failed`), or a prefix ending in a dot (`client.`)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  @Matches(TYPE_FILTER, { message: 'must be an event type, or a prefix of one ending in "."' })
  type?: string;

  @ApiPropertyOptional({ enum: ['success', 'failure'] })
  @IsOptional()
  @IsIn(['success', 'failure'])
  outcome?: 'success' | 'failure';

  @ApiPropertyOptional({ description: 'Who acted: a client_id, a user id (sub)' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  actor_id?: string;

  @ApiPropertyOptional({ description: 'What was acted on: a client_id, a user id, a family id' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  target_id?: string;

  @ApiPropertyOptional({
    example: '2025-01-01T00:00:00Z',
    description: 'ISO 8601; events at or after this instant',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date-time' })
  since?: string;

  @ApiPropertyOptional({
    example: '2025-02-01T00:00:00Z',
    description: 'ISO 8601; events at or before this instant (its whole millisecond)',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date-time' })
  until?: string;
}

export class AuditPartyView {
  @ApiProperty({ example: 'client', description: 'client, user, system or anonymous for actors' })
  type: string;
  @ApiProperty({ nullable: true, type: String }) id: string | null;
}

/** One security event as the admin API shows it. */
export class AuditEventView {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'ISO 8601' }) occurred_at: string;
  @ApiProperty({ example: 'client.created' }) type: string;
  @ApiProperty({ enum: ['success', 'failure'] }) outcome: string;
  @ApiProperty({ type: AuditPartyView }) actor: AuditPartyView;
  @ApiProperty({ type: AuditPartyView, nullable: true }) target: AuditPartyView | null;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) user_agent: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Non-secret specifics: changed field names, reason codes',
  })
  details: Record<string, unknown>;
}

export function toAuditEventView(event: AuditEventEntity): AuditEventView {
  return {
    id: event.id,
    occurred_at: event.occurredAt.toISOString(),
    type: event.type,
    outcome: event.outcome,
    actor: { type: event.actorType, id: event.actorId },
    target: event.targetType ? { type: event.targetType, id: event.targetId } : null,
    ip: event.ip,
    user_agent: event.userAgent,
    details: event.details,
  };
}
