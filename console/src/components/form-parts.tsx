import { ComponentChildren } from 'preact';
import { ConfirmButton } from './confirm';
import { namesFields } from './field';
import { ErrorNotice } from './notices';

/**
 * A form's error on top: the error itself when it names none of `fields` (any field, without
 * `fields`: they show their own problems beside them), else `summary` ("Nothing was saved: see
 * the problems beside the fields."), when given.
 */
export function FormErrors(props: {
  error: unknown;
  fields?: readonly string[];
  summary?: string;
}) {
  if (props.error === undefined) return null;
  if (!namesFields(props.error, props.fields)) return <ErrorNotice error={props.error} />;
  if (!props.summary) return null;
  return (
    <div class="notice notice-error" role="alert">
      {props.summary}
    </div>
  );
}

/** A form's submit button, and Cancel when the form can be left without saving. */
export function FormActions(props: { submit: string; busy: boolean; onCancel?: () => void }) {
  return (
    <div class="actions">
      <button type="submit" disabled={props.busy}>
        {props.submit}
      </button>
      {props.onCancel && (
        <button type="button" class="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      )}
    </div>
  );
}

/**
 * "Disable {what}" while `status` is active, else "Enable {what}", each asking first about
 * `subject` ("the client Billing", a username) and saying what follows.
 */
export function StatusToggle(props: {
  status: string;
  what: string;
  subject: string;
  disabling: ComponentChildren;
  enabling: ComponentChildren;
  onStatus: (status: 'active' | 'disabled') => Promise<unknown>;
}) {
  return props.status === 'active' ? (
    <ConfirmButton
      label={`Disable ${props.what}`}
      question={`Disable ${props.subject}?`}
      confirmLabel="Disable"
      danger
      onConfirm={() => props.onStatus('disabled')}
    >
      {props.disabling}
    </ConfirmButton>
  ) : (
    <ConfirmButton
      label={`Enable ${props.what}`}
      question={`Enable ${props.subject}?`}
      confirmLabel="Enable"
      onConfirm={() => props.onStatus('active')}
    >
      {props.enabling}
    </ConfirmButton>
  );
}

/** A detail page's Delete section: what deleting does, and "Delete {what}" asking first. */
export function DeleteSection(props: {
  what: string;
  subject: string;
  effect: string;
  children: ComponentChildren;
  onDelete: () => Promise<unknown>;
}) {
  return (
    <>
      <h2>Delete</h2>
      <p>{props.effect}</p>
      <ConfirmButton
        label={`Delete ${props.what}`}
        question={`Delete ${props.subject}?`}
        confirmLabel="Delete"
        danger
        onConfirm={props.onDelete}
      >
        {props.children}
      </ConfirmButton>
    </>
  );
}
