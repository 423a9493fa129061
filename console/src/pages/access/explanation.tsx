import { Fragment } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { Table } from '../../components/table';
import { meaningOf } from './format';
import { AccessRule } from './rule-form';

/** A condition as judged (docs/access.md, "Explain a decision"). */
export interface ConditionResult {
  source: string;
  held: boolean | null;
  problem: string | null;
}

/** A rule the explanation considered: the rule as listed, and whether it decides. */
interface RuleResult extends Omit<AccessRule, 'created_at'> {
  decided?: boolean;
}

/** POST /admin/access/explain's answer. */
export interface Explanation {
  allowed: boolean;
  reason: string;
  decision_id: string;
  rule: RuleResult | null;
  rules: RuleResult[];
  permission: {
    name: string;
    in_scope: boolean | null;
    held: boolean | null;
    roles: { role: string; grants: boolean; condition: ConditionResult | null }[];
  } | null;
  token: Record<string, unknown> | null;
  client: Record<string, unknown> | null;
  subject: Record<string, unknown> | null;
  binding: Record<string, unknown> | null;
  condition: ConditionResult | null;
}

function yesNo(value: boolean | null | undefined, unknown = 'not known'): string {
  if (value === null || value === undefined) return unknown;
  return value ? 'yes' : 'no';
}

function ConditionLine(props: { condition: ConditionResult }) {
  const { condition } = props;
  return (
    <>
      <code>{condition.source}</code>:{' '}
      {condition.held === null ? 'not reached' : condition.held ? 'true' : 'false'}
      {condition.problem && condition.held !== true && <> ({condition.problem})</>}
    </>
  );
}

/** What a subject's facts say: type, id, known, active, roles, permissions, attributes. */
function Facts(props: { title: string; facts: Record<string, unknown> }) {
  return (
    <section aria-label={props.title}>
      <h3>{props.title}</h3>
      <dl class="facts">
        {Object.entries(props.facts).map(([key, value]) => (
          <Fragment key={key}>
            <dt>{key}</dt>
            <dd class="mono">
              {Array.isArray(value)
                ? value.length
                  ? value.join(', ')
                  : 'none'
                : typeof value === 'object' && value !== null
                  ? JSON.stringify(value)
                  : String(value)}
            </dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}

/**
 * An explanation, in a region with a heading that takes focus when it appears (so a screen
 * reader reads where the answer is); the decision line is also a status message.
 */
export function ExplanationView(props: { explanation: Explanation }) {
  const { explanation } = props;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [explanation]);
  const meaning = meaningOf(explanation.reason);
  return (
    <section class="why-result" aria-labelledby="why-result-heading">
      <h2 id="why-result-heading" tabIndex={-1} ref={heading}>
        Decision
      </h2>
      <p role="status" class="why-decision">
        <span class={explanation.allowed ? 'allowed' : 'denied'}>
          {explanation.allowed ? 'Allowed' : 'Denied'}
        </span>
        : <code>{explanation.reason}</code>
        {meaning && explanation.reason !== 'allowed' && <> — {meaning}</>}
      </p>
      <p class="hint">
        Decision id <span class="mono">{explanation.decision_id}</span>
      </p>

      <h3>Rules considered</h3>
      {explanation.rules.length === 0 ? (
        <p>No rule: {explanation.permission ? 'a permission check uses none.' : 'none matched.'}</p>
      ) : (
        <Table
          caption="Rules considered, most specific first"
          columns={['Decides', 'Methods', 'Path', 'Permission', 'Scopes', 'Anonymous', 'Condition']}
        >
          <tbody>
            {explanation.rules.map((rule) => (
              <tr key={rule.id} class={rule.decided ? 'why-decided' : undefined}>
                <td>{rule.decided ? 'yes (this rule decides)' : 'no'}</td>
                <td>{rule.methods.length ? rule.methods.join(', ') : 'any'}</td>
                <td class="mono nowrap">{rule.path}</td>
                <td class="mono nowrap">{rule.permission ?? ''}</td>
                <td class="mono">{rule.scopes.join(' ')}</td>
                <td>{rule.anonymous ? 'yes' : 'no'}</td>
                <td class="mono">{rule.condition ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}

      <h3>Permission</h3>
      {explanation.permission ? (
        <>
          <dl class="facts">
            <dt>Name</dt>
            <dd class="mono">{explanation.permission.name}</dd>
            <dt>In the token's scope</dt>
            <dd>{yesNo(explanation.permission.in_scope, 'no token')}</dd>
            <dt>Held now</dt>
            <dd>{yesNo(explanation.permission.held, 'no subject known')}</dd>
          </dl>
          {explanation.permission.roles.length === 0 ? (
            <p>No role of the subject grants it.</p>
          ) : (
            <Table
              caption="Roles that grant the permission"
              columns={['Role', 'Grants now', 'Condition']}
            >
              <tbody>
                {explanation.permission.roles.map((grant) => (
                  <tr key={grant.role}>
                    <td>{grant.role}</td>
                    <td>{grant.grants ? 'yes' : 'no'}</td>
                    <td>
                      {grant.condition ? (
                        <ConditionLine condition={grant.condition} />
                      ) : (
                        'none (unconditional)'
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
        </>
      ) : (
        <p>None involved.</p>
      )}

      <h3>Rule condition</h3>
      {explanation.condition ? (
        <p>
          <ConditionLine condition={explanation.condition} />
        </p>
      ) : (
        <p>None.</p>
      )}

      {explanation.subject && <Facts title="Subject" facts={explanation.subject} />}
      {explanation.client && <Facts title="Client" facts={explanation.client} />}
      {explanation.binding && <Facts title="Proof of possession" facts={explanation.binding} />}
      {explanation.token && (
        <section aria-label="Token claims">
          <h3>Token claims</h3>
          <pre class="why-claims">{JSON.stringify(explanation.token, null, 2)}</pre>
        </section>
      )}
    </section>
  );
}
