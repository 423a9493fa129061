import { expect } from 'expect';
import { dataSource } from './code-flow';
import { InjectResult, TestApp } from './test-app';

/** The User-Agent the audit tests send, to find it again in the events. */
export const AUDIT_USER_AGENT = 'AuditTest/1.0 (+https://tests.example)';
const IP = '127.0.0.1';

/** An audit event as GET /admin/audit-events shows it. */
export interface AuditItem {
  id: string;
  occurred_at: string;
  type: string;
  outcome: string;
  actor: { type: string; id: string | null };
  target: { type: string; id: string | null } | null;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
}

/** An event from a test request as the API shows it; `id` and `occurred_at` are any. */
export function auditEvent(
  fields: Partial<AuditItem> & Pick<AuditItem, 'type' | 'actor'>,
): AuditItem {
  return {
    id: expect.any(String) as unknown as string,
    occurred_at: expect.stringMatching(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    ) as unknown as string,
    outcome: 'success',
    target: null,
    ip: IP,
    user_agent: AUDIT_USER_AGENT,
    details: {},
    ...fields,
  };
}

/** An admin API call with `token` and the audit tests' User-Agent. */
export function adminCall(
  sut: TestApp,
  token: string,
  method: string,
  url: string,
  payload?: object,
): Promise<InjectResult> {
  return sut.request({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      'user-agent': AUDIT_USER_AGENT,
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    payload,
  });
}

/**
 * Runs `work` while the audit table refuses events of `type`, to show that a change and its
 * event are one transaction: the change must not happen without its event.
 */
export async function withAuditRefusing(
  sut: TestApp,
  type: string,
  work: () => Promise<void>,
): Promise<void> {
  const db = dataSource(sut);
  await db.query(
    `ALTER TABLE audit_events ADD CONSTRAINT refuse_in_test CHECK (type <> '${type}') NOT VALID`,
  );
  try {
    await work();
  } finally {
    await db.query('ALTER TABLE audit_events DROP CONSTRAINT refuse_in_test');
  }
}
