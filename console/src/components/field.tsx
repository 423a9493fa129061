import { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';
import { ApiError } from '../api';

/** A stable id per mounted field, for its label, hint and problem (call it in the component). */
export function useFieldId(name: string): string {
  return `${name.replace(/[^A-Za-z0-9_-]/g, '-')}-${useId().replace(/[^A-Za-z0-9_-]/g, '')}`;
}

interface FieldProps {
  id: string;
  label: string;
  /** Shown under the label; referenced by aria-describedby. */
  hint?: ComponentChildren;
  /** The API's problem with this field, shown beside it (aria-invalid, aria-describedby). */
  problem?: string;
  children: (describedBy: string | undefined, invalid: boolean) => ComponentChildren;
}

/**
 * A labelled control with its hint and the API's problem beside it. `children` renders the
 * control with the ids to wire up, so inputs, selects and textareas share one layout.
 */
export function Field(props: FieldProps) {
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  const problemId = props.problem ? `${props.id}-problem` : undefined;
  const describedBy = [hintId, problemId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={props.problem ? 'field field-invalid' : 'field'}>
      <label for={props.id}>{props.label}</label>
      {props.hint && (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.children(describedBy, Boolean(props.problem))}
      {props.problem && (
        <p class="problem" id={problemId}>
          {props.problem}
        </p>
      )}
    </div>
  );
}

interface TextFieldProps {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  hint?: ComponentChildren;
  problem?: string;
  type?: 'text' | 'password' | 'email' | 'url' | 'number' | 'search' | 'datetime-local';
  required?: boolean;
  autoComplete?: string;
  multiline?: boolean;
  rows?: number;
  placeholder?: string;
}

/** A text input (or textarea) in a Field. */
export function TextField(props: TextFieldProps) {
  return (
    <Field id={props.id} label={props.label} hint={props.hint} problem={props.problem}>
      {(describedBy, invalid) =>
        props.multiline ? (
          <textarea
            id={props.id}
            rows={props.rows ?? 3}
            value={props.value}
            required={props.required}
            placeholder={props.placeholder}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            onInput={(event) => props.onValue(event.currentTarget.value)}
          />
        ) : (
          <input
            id={props.id}
            // Preact's input types narrow `type` with `role`; tsc needs the assertion, eslint's
            // type service (a different resolution of the JSX types) does not see why.
            // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
            type={(props.type ?? 'text') as 'text'}
            value={props.value}
            required={props.required}
            autoComplete={props.autoComplete ?? 'off'}
            placeholder={props.placeholder}
            spellcheck={false}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            onInput={(event) => props.onValue(event.currentTarget.value)}
          />
        )
      }
    </Field>
  );
}

/** The problem the API named for `field`, when `error` is an admin API validation error. */
export function problemOf(error: unknown, field: string): string | undefined {
  return error instanceof ApiError ? error.problemOf(field) : undefined;
}

/**
 * Whether `error` names fields, so the form shows them beside the fields instead of on top.
 * With `fields`, only a problem with one of those counts (a form that shows only some of them).
 */
export function namesFields(error: unknown, fields?: readonly string[]): boolean {
  if (!(error instanceof ApiError)) return false;
  if (fields === undefined) return error.details.length > 0;
  return fields.some((field) => error.problemOf(field) !== undefined);
}

/** A choice of a select: a value shown as itself, or a value with its label. */
export type SelectOption = string | { value: string; label: string };

/** A select in a Field, its options in order. */
export function SelectField(props: {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  options: readonly SelectOption[];
  hint?: ComponentChildren;
  problem?: string;
}) {
  return (
    <Field id={props.id} label={props.label} hint={props.hint} problem={props.problem}>
      {(describedBy, invalid) => (
        <select
          id={props.id}
          value={props.value}
          aria-describedby={describedBy}
          aria-invalid={invalid || undefined}
          onChange={(event) => props.onValue(event.currentTarget.value)}
        >
          {props.options.map((option) => {
            const { value, label } =
              typeof option === 'string' ? { value: option, label: option } : option;
            return (
              <option key={value} value={value}>
                {label}
              </option>
            );
          })}
        </select>
      )}
    </Field>
  );
}
