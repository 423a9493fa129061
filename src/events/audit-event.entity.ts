import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A security event: who did what to what, when, from where, and how it ended. Never a secret. */
@Entity({ name: 'audit_events' })
@Index('IDX_audit_events_type_time', ['type', 'occurredAt'])
export class AuditEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('IDX_audit_events_time')
  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt: Date;

  /** e.g. client.created, login.failed, token.revoked, refresh_token.reuse_detected, keys.rotated */
  @Column({ name: 'type', type: 'varchar', length: 64 })
  type: string;

  @Column({ name: 'outcome', type: 'varchar', length: 16, default: 'success' })
  outcome: 'success' | 'failure';

  /** Who acted: a client, a user, the system itself, or someone unauthenticated. */
  @Column({ name: 'actor_type', type: 'varchar', length: 16 })
  actorType: 'client' | 'user' | 'system' | 'anonymous';

  @Index('IDX_audit_events_actor')
  @Column({ name: 'actor_id', type: 'varchar', length: 128, nullable: true })
  actorId: string | null;

  /** What it acted on. */
  @Column({ name: 'target_type', type: 'varchar', length: 32, nullable: true })
  targetType: string | null;

  @Index('IDX_audit_events_target')
  @Column({ name: 'target_id', type: 'varchar', length: 128, nullable: true })
  targetId: string | null;

  @Column({ name: 'ip', type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  /** Non-secret specifics (changed field names, reasons, counts). */
  @Column({ name: 'details', type: 'jsonb', default: () => "'{}'" })
  details: Record<string, unknown>;
}
