import { api, segment } from '../../api';
import { useState } from 'preact/hooks';
import { problemOf, TextField, useFieldId } from '../../components/field';
import { FormActions, FormErrors } from '../../components/form-parts';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** An access rule as GET /admin/access-rules shows it (docs/access.md). */
export interface AccessRule {
  id: string;
  methods: string[];
  path: string;
  permission: string | null;
  scopes: string[];
  audience: string | null;
  anonymous: boolean;
  condition: string | null;
  created_at: string;
}

interface Fields {
  methods: string[];
  path: string;
  permission: string;
  scopes: string;
  audience: string;
  anonymous: boolean;
  condition: string;
}

function fieldsOf(rule?: AccessRule): Fields {
  return {
    methods: rule?.methods ?? [],
    path: rule?.path ?? '',
    permission: rule?.permission ?? '',
    scopes: rule?.scopes.join(' ') ?? '',
    audience: rule?.audience ?? '',
    anonymous: rule?.anonymous ?? false,
    condition: rule?.condition ?? '',
  };
}

/**
 * The body for POST (empty fields left out) or PATCH (every field, an empty one as null so it
 * is cleared): the server checks it either way and names the field it finds wrong.
 */
function bodyOf(fields: Fields, editing: boolean): Record<string, unknown> {
  const text = (value: string) => (value.trim() ? value.trim() : editing ? null : undefined);
  const scopes = fields.scopes.split(/\s+/).filter(Boolean);
  return {
    methods: fields.methods,
    path: fields.path.trim(),
    permission: text(fields.permission),
    scopes,
    audience: text(fields.audience),
    anonymous: fields.anonymous,
    condition: text(fields.condition),
  };
}

/** Create (rule absent) or edit a rule, with the API's problems beside the fields. */
export function RuleForm(props: {
  rule?: AccessRule;
  onSaved: (rule: AccessRule) => void;
  onCancel?: () => void;
}) {
  const editing = props.rule !== undefined;
  const [fields, setFields] = useState<Fields>(fieldsOf(props.rule));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const ids = {
    methods: useFieldId('rule-methods'),
    path: useFieldId('rule-path'),
    permission: useFieldId('rule-permission'),
    scopes: useFieldId('rule-scopes'),
    audience: useFieldId('rule-audience'),
    anonymous: useFieldId('rule-anonymous'),
    condition: useFieldId('rule-condition'),
  };
  const set =
    <K extends keyof Fields>(key: K) =>
    (value: Fields[K]) =>
      setFields((previous) => ({ ...previous, [key]: value }));
  const toggleMethod = (method: string, on: boolean) =>
    set('methods')(
      on
        ? HTTP_METHODS.filter((item) => item === method || fields.methods.includes(item))
        : fields.methods.filter((item) => item !== method),
    );
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = bodyOf(fields, editing);
      const saved = editing
        ? await api.patch<AccessRule>(`/admin/access-rules/${segment(props.rule!.id)}`, body)
        : await api.post<AccessRule>('/admin/access-rules', body);
      props.onSaved(saved);
      if (!editing) setFields(fieldsOf());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const methodsProblem = problemOf(error, 'methods');
  const anonymousProblem = problemOf(error, 'anonymous');
  return (
    <form class="stacked" onSubmit={(event) => void submit(event)} noValidate>
      <FormErrors error={error} />
      <fieldset
        class={methodsProblem ? 'field-invalid' : undefined}
        aria-describedby={`${ids.methods}-hint${methodsProblem ? ` ${ids.methods}-problem` : ''}`}
      >
        <legend>Methods</legend>
        <p class="hint" id={`${ids.methods}-hint`}>
          None ticked: any method.
        </p>
        <div class="rule-methods">
          {HTTP_METHODS.map((method) => (
            <label class="choice" key={method}>
              <input
                type="checkbox"
                checked={fields.methods.includes(method)}
                onChange={(event) => toggleMethod(method, event.currentTarget.checked)}
              />
              {method}
            </label>
          ))}
        </div>
        {methodsProblem && (
          <p class="problem" id={`${ids.methods}-problem`}>
            {methodsProblem}
          </p>
        )}
      </fieldset>
      <TextField
        id={ids.path}
        label="Path"
        value={fields.path}
        onValue={set('path')}
        required
        hint="/invoices/** — * matches one segment, ** any number, {name} one segment named for conditions."
        problem={problemOf(error, 'path')}
      />
      <TextField
        id={ids.permission}
        label="Permission"
        value={fields.permission}
        onValue={set('permission')}
        hint="resource:action the subject must hold (empty: none)."
        problem={problemOf(error, 'permission')}
      />
      <TextField
        id={ids.scopes}
        label="Scopes"
        value={fields.scopes}
        onValue={set('scopes')}
        hint="Scopes the token must also carry, separated by spaces."
        problem={problemOf(error, 'scopes')}
      />
      <TextField
        id={ids.audience}
        label="Audience"
        value={fields.audience}
        onValue={set('audience')}
        hint="The token must be addressed to it (empty: any)."
        problem={problemOf(error, 'audience')}
      />
      <div class={anonymousProblem ? 'field field-invalid' : 'field'}>
        <label class="choice" for={ids.anonymous}>
          <input
            id={ids.anonymous}
            type="checkbox"
            checked={fields.anonymous}
            aria-describedby={anonymousProblem ? `${ids.anonymous}-problem` : undefined}
            aria-invalid={anonymousProblem ? true : undefined}
            onChange={(event) => set('anonymous')(event.currentTarget.checked)}
          />
          Anonymous: let requests through without a token
        </label>
        {anonymousProblem && (
          <p class="problem" id={`${ids.anonymous}-problem`}>
            {anonymousProblem}
          </p>
        )}
      </div>
      <TextField
        id={ids.condition}
        label="Condition"
        multiline
        rows={2}
        value={fields.condition}
        onValue={set('condition')}
        hint="A CEL expression that must be true, e.g. request.params.id == subject.id (empty: none)."
        problem={problemOf(error, 'condition')}
      />
      <FormActions
        submit={editing ? 'Save rule' : 'Create rule'}
        busy={busy}
        onCancel={props.onCancel}
      />
    </form>
  );
}
