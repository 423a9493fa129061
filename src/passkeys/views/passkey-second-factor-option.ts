import { html, Html } from '../../authorization/views/html';

/** "Use a passkey" on the second-factor step; shown once /assets/passkeys.js runs. */
export function passkeySecondFactorOption(input: { csrf: string }): Html {
  return html`<div class="passkey">
    <p class="muted" data-passkey-needs-js>
      Passkeys need JavaScript, which is off in this browser.
    </p>
    <p class="error" role="alert" data-passkey-error hidden></p>
    <div class="actions">
      <button
        type="button"
        class="secondary"
        hidden
        data-passkey-second-factor
        data-csrf="${input.csrf}"
      >
        Use a passkey
      </button>
    </div>
    <script src="/assets/webauthn-browser.js" defer></script>
    <script src="/assets/passkeys.js" defer></script>
  </div>`;
}
