import { useState } from 'preact/hooks';
import { problemOf, TextField, useFieldId } from '../../components/field';
import { FormErrors } from '../../components/form-parts';
import { linesOf } from '../../components/format';

export interface RoleFields {
  name: string;
  description: string;
  permissions: string;
}

/**
 * A role's fields: name (only when creating), description, and permissions one per line. The
 * server checks each permission's `resource:action` syntax; its problems appear beside the field.
 */
export function RoleForm(props: {
  initial: RoleFields;
  withName: boolean;
  submitLabel: string;
  onSubmit: (body: { name?: string; description: string; permissions: string[] }) => Promise<void>;
}) {
  const [fields, setFields] = useState(props.initial);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const nameId = useFieldId('role-name');
  const descriptionId = useFieldId('role-description');
  const permissionsId = useFieldId('role-permissions');
  const set = (key: keyof RoleFields) => (value: string) =>
    setFields((previous) => ({ ...previous, [key]: value }));
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await props.onSubmit({
        ...(props.withName ? { name: fields.name.trim() } : {}),
        description: fields.description.trim(),
        permissions: linesOf(fields.permissions),
      });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="stacked" onSubmit={(event) => void submit(event)} noValidate>
      <FormErrors error={error} />
      {props.withName && (
        <TextField
          id={nameId}
          label="Role name"
          value={fields.name}
          onValue={set('name')}
          required
          hint="Letters, digits and _ . : - (at most 100)."
          problem={problemOf(error, 'name')}
        />
      )}
      <TextField
        id={descriptionId}
        label="Description"
        value={fields.description}
        onValue={set('description')}
        problem={problemOf(error, 'description')}
      />
      <TextField
        id={permissionsId}
        label="Permissions"
        multiline
        rows={5}
        value={fields.permissions}
        onValue={set('permissions')}
        hint="One per line, as resource:action (invoices:read)."
        problem={problemOf(error, 'permissions') ?? problemOf(error, 'conditions')}
      />
      <div class="actions">
        <button type="submit" disabled={busy}>
          {props.submitLabel}
        </button>
      </div>
    </form>
  );
}
