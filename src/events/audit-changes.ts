import { AuditEntry } from './audit-log.service';

/** `clientName` → `client_name`: the API's snake_case name of an entity field. */
export function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * The names of the fields whose values differ between `before` and `after` (compared as JSON,
 * so arrays and objects compare by content), in the API's snake_case unless `names` says
 * otherwise. Only names go into the audit log, never values: a value may be a secret.
 */
export function changedFields<T extends object>(
  before: T,
  after: T,
  names: Partial<Record<keyof T & string, string>> = {},
): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)] as Array<keyof T & string>);
  return [...keys]
    .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
    .map((key) => names[key] ?? snakeCase(key));
}

/** An audit entry without its request part (actor, ip, user agent). */
export type AuditChange = Pick<AuditEntry, 'type' | 'target' | 'details'>;

/**
 * What an update of a client or user records: a status change as its own event
 * (`client.disabled`, `user.enabled`), the other changed fields by name as `<kind>.updated`,
 * and nothing for an update that changed nothing.
 */
export function updateEvents(
  kind: 'client' | 'user',
  id: string,
  status: string,
  changed: string[],
): AuditChange[] {
  const target = { type: kind, id };
  const events: AuditChange[] = [];
  if (changed.includes('status')) {
    events.push({ type: status === 'disabled' ? `${kind}.disabled` : `${kind}.enabled`, target });
  }
  const fields = changed.filter((field) => field !== 'status');
  if (fields.length > 0) events.push({ type: `${kind}.updated`, target, details: { fields } });
  return events;
}
