import { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { ErrorNotice } from './notices';

interface ConfirmButtonProps {
  /** The button's text, also its accessible name: "Delete client". */
  label: string;
  /** The dialog's question: "Delete the client billing-api?" */
  question: string;
  /** What will happen, in a sentence or two. */
  children?: ComponentChildren;
  /** The confirming button's text: "Delete". */
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<unknown>;
}

/**
 * A button that asks first, in a native modal <dialog> (focus moves into it and stays there;
 * Escape cancels). The action's error appears inside the dialog.
 */
export function ConfirmButton(props: ConfirmButtonProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const close = () => dialog.current?.close();
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm();
      close();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        class={props.danger ? 'danger' : 'secondary'}
        onClick={() => {
          setError(undefined);
          dialog.current?.showModal();
        }}
      >
        {props.label}
      </button>
      <dialog ref={dialog} aria-label={props.question}>
        <h2>{props.question}</h2>
        {props.children}
        <ErrorNotice error={error} />
        <div class="actions">
          <button type="button" class="secondary" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button
            type="button"
            class={props.danger ? 'danger' : undefined}
            onClick={() => void confirm()}
            disabled={busy}
          >
            {props.confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
