import { useRef, useState } from 'preact/hooks';
import { api, segment } from '../api';
import { ConfirmButton } from '../components/confirm';
import { ErrorNotice, StatusNotice } from '../components/notices';
import { Page } from '../components/page';
import { ListResults } from '../components/list';
import { useAsync } from '../components/use-async';
import { AccessRule, RuleForm } from './access/rule-form';

const LIMIT = 50;

/** The gateway's access rules (docs/access.md): list, create, edit, delete. */
export function Rules(_props: Record<string, unknown>) {
  const [offset, setOffset] = useState(0);
  const [editing, setEditing] = useState<AccessRule | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const formHeading = useRef<HTMLHeadingElement>(null);
  const rules = useAsync(
    () => api.page<AccessRule>('/admin/access-rules', { limit: LIMIT, offset }),
    [offset],
  );
  const startEditing = (rule: AccessRule | undefined) => {
    setEditing(rule);
    setNotice(undefined);
    // The form is below the list: move there, so keyboard and screen reader users follow.
    setTimeout(() => formHeading.current?.focus(), 0);
  };
  return (
    <Page title="Access rules">
      <p class="hint">
        The most specific rule matching a request's method and path decides at the gateway; see{' '}
        <a href="/console/why">Why?</a> to test one.
      </p>
      {notice && <StatusNotice>{notice}</StatusNotice>}
      <ErrorNotice error={rules.error} />
      <ListResults
        loaded={rules}
        what="access rules"
        empty={<p>No access rule yet: the gateway denies every request (no_matching_rule).</p>}
        caption="Access rules"
        columns={[
          'Methods',
          'Path',
          'Permission',
          'Scopes',
          'Audience',
          'Anonymous',
          'Condition',
          'Actions',
        ]}
        row={(rule) => (
          <tr key={rule.id}>
            <td>{rule.methods.length ? rule.methods.join(', ') : 'any'}</td>
            <td class="mono nowrap">{rule.path}</td>
            <td class="mono nowrap">{rule.permission ?? ''}</td>
            <td class="mono">{rule.scopes.join(' ')}</td>
            <td class="mono">{rule.audience ?? ''}</td>
            <td>{rule.anonymous ? 'yes' : 'no'}</td>
            <td class="mono">{rule.condition ?? ''}</td>
            <td>
              <div class="actions">
                <button
                  type="button"
                  class="secondary"
                  aria-label={`Edit rule ${rule.methods.join(',') || 'any'} ${rule.path}`}
                  onClick={() => startEditing(rule)}
                >
                  Edit
                </button>
                <ConfirmButton
                  label={`Delete rule ${rule.methods.join(',') || 'any'} ${rule.path}`}
                  question={`Delete the rule for ${rule.path}?`}
                  confirmLabel="Delete"
                  danger
                  onConfirm={async () => {
                    await api.delete(`/admin/access-rules/${segment(rule.id)}`);
                    if (editing?.id === rule.id) setEditing(undefined);
                    setNotice(`Rule for ${rule.path} deleted.`);
                    rules.reload();
                  }}
                >
                  <p>Requests it covered fall to the next most specific rule, or are denied.</p>
                </ConfirmButton>
              </div>
            </td>
          </tr>
        )}
        pagerLabel="Access rules"
        limit={LIMIT}
        offset={offset}
        onOffset={setOffset}
      />
      <section aria-labelledby="rule-form">
        <h2 id="rule-form" tabIndex={-1} ref={formHeading}>
          {editing ? `Edit the rule for ${editing.path}` : 'New rule'}
        </h2>
        <RuleForm
          key={editing?.id ?? 'new'}
          rule={editing}
          onCancel={editing ? () => startEditing(undefined) : undefined}
          onSaved={(rule) => {
            setNotice(editing ? `Rule for ${rule.path} saved.` : `Rule for ${rule.path} created.`);
            setEditing(undefined);
            rules.reload();
          }}
        />
      </section>
    </Page>
  );
}
