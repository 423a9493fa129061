import { useState } from 'preact/hooks';
import { useFieldId } from './field';

/**
 * A secret the server shows this once (a new client secret): a read-only field, a copy button
 * and a warning. It lives only in the page's memory; leaving the page forgets it.
 */
export function SecretOnce(props: { label: string; secret: string }) {
  const id = useFieldId('secret');
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <section class="secret-once" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{props.label}</h2>
      <p class="warning">
        <strong>Copy it now.</strong> Gatehouse keeps only a hash: this is the only time the secret
        is shown. Store it in your secret manager; never in source control.
      </p>
      <label for={id}>{props.label}</label>
      <div class="secret-row">
        <input
          id={id}
          class="secret"
          type="text"
          readOnly
          value={props.secret}
          spellcheck={false}
        />
        <button type="button" onClick={() => void copy()}>
          Copy secret
        </button>
      </div>
      <p role="status" class="muted">
        {copied === 'yes' && 'Copied to the clipboard.'}
        {copied === 'failed' && 'The browser refused the clipboard: select the field and copy it.'}
      </p>
    </section>
  );
}
