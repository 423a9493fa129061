import { useState } from 'preact/hooks';
import { api } from '../api';
import { problemOf, SelectField, TextField, useFieldId } from '../components/field';
import { FormErrors } from '../components/form-parts';
import { Page } from '../components/page';
import { LIST_LIMIT, ListResults } from '../components/list';
import { useAsync } from '../components/use-async';
import { StatusBadge, When } from '../components/format';
import { Maybe } from './access/format';

/** GET /admin/audit-events (docs/endpoints.md). */
interface AuditEvent {
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

interface Filters {
  actor_id: string;
  target_id: string;
  type: string;
  outcome: string;
  since: string;
  until: string;
}

const OUTCOMES = [
  { value: '', label: 'Any' },
  { value: 'success', label: 'Success' },
  { value: 'failure', label: 'Failure' },
];

const EMPTY: Filters = { actor_id: '', target_id: '', type: '', outcome: '', since: '', until: '' };

/**
 * A datetime-local value (the person's local time, no zone) as ISO 8601 UTC; a value that is not
 * a date is passed on as typed, for the API to name it.
 */
export function toIsoUtc(local: string): string | undefined {
  if (!local.trim()) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? local : date.toISOString();
}

function party(value: { type: string; id: string | null } | null) {
  if (!value) return <span class="muted">none</span>;
  return (
    <>
      {value.type}
      {value.id && (
        <>
          {' '}
          <span class="mono">{value.id}</span>
        </>
      )}
    </>
  );
}

/** The security events, filtered by who, what, outcome and when; paged. */
export function Audit(_props: Record<string, unknown>) {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const [offset, setOffset] = useState(0);
  const ids = {
    actor: useFieldId('audit-actor'),
    target: useFieldId('audit-target'),
    type: useFieldId('audit-type'),
    outcome: useFieldId('audit-outcome'),
    since: useFieldId('audit-since'),
    until: useFieldId('audit-until'),
  };
  const events = useAsync(
    () =>
      api.page<AuditEvent>('/admin/audit-events', {
        actor_id: applied.actor_id.trim() || undefined,
        target_id: applied.target_id.trim() || undefined,
        type: applied.type.trim() || undefined,
        outcome: applied.outcome || undefined,
        since: toIsoUtc(applied.since),
        until: toIsoUtc(applied.until),
        limit: LIST_LIMIT,
        offset,
      }),
    [applied, offset],
  );
  const error = events.error;
  const set = (key: keyof Filters) => (value: string) =>
    setDraft((previous) => ({ ...previous, [key]: value }));
  return (
    <Page title="Audit log">
      <form
        class="audit-filters"
        aria-label="Filter the audit log"
        onSubmit={(event) => {
          event.preventDefault();
          setOffset(0);
          setApplied({ ...draft });
        }}
        noValidate
      >
        <TextField
          id={ids.actor}
          label="Actor"
          value={draft.actor_id}
          onValue={set('actor_id')}
          hint="Who acted: a client_id or a user id."
          problem={problemOf(error, 'actor_id')}
        />
        <TextField
          id={ids.target}
          label="Subject"
          value={draft.target_id}
          onValue={set('target_id')}
          hint="What was acted on: a client_id, user id, rule id…"
          problem={problemOf(error, 'target_id')}
        />
        <TextField
          id={ids.type}
          label="Type"
          value={draft.type}
          onValue={set('type')}
          hint="Exact (login.failed) or a prefix ending in a dot (client.)."
          problem={problemOf(error, 'type')}
        />
        <SelectField
          id={ids.outcome}
          label="Outcome"
          value={draft.outcome}
          onValue={set('outcome')}
          options={OUTCOMES}
          problem={problemOf(error, 'outcome')}
        />
        <TextField
          id={ids.since}
          label="Since"
          type="datetime-local"
          value={draft.since}
          onValue={set('since')}
          hint="Your local time."
          problem={problemOf(error, 'since')}
        />
        <TextField
          id={ids.until}
          label="Until"
          type="datetime-local"
          value={draft.until}
          onValue={set('until')}
          hint="Your local time."
          problem={problemOf(error, 'until')}
        />
        <div class="actions">
          <button type="submit">Apply filters</button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setDraft(EMPTY);
              setOffset(0);
              setApplied(EMPTY);
            }}
          >
            Clear filters
          </button>
        </div>
      </form>
      <FormErrors error={error} />
      <ListResults
        loaded={events}
        what="events"
        empty={<p role="status">No event matches.</p>}
        caption="Audit events, newest first"
        columns={['Time', 'Type', 'Outcome', 'Actor', 'Target', 'IP', 'Details']}
        row={(event) => (
          <tr key={event.id}>
            <td>
              <When iso={event.occurred_at} />
            </td>
            <td class="mono">{event.type}</td>
            <td>
              <StatusBadge status={event.outcome} ok={event.outcome === 'success'} />
            </td>
            <td>{party(event.actor)}</td>
            <td>{party(event.target)}</td>
            <td>
              <Maybe value={event.ip} />
            </td>
            <td class="mono audit-details">
              {Object.keys(event.details).length ? JSON.stringify(event.details) : ''}
            </td>
          </tr>
        )}
        pagerLabel="Audit log"
        offset={offset}
        onOffset={setOffset}
      />
    </Page>
  );
}
