import { html, Html } from './html';

/**
 * The login page's "Sign in with a passkey" piece (docs/passkeys.md). WebAuthn needs
 * JavaScript: the button shows only once /assets/passkeys.js runs; without it the page says so.
 */
export function passkeySignIn(input: { csrf: string; interaction?: string }): Html {
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
        data-passkey-sign-in
        data-csrf="${input.csrf}"
        data-interaction="${input.interaction ?? ''}"
      >
        Sign in with a passkey
      </button>
    </div>
    <script src="/assets/webauthn-browser.js" defer></script>
    <script src="/assets/passkeys.js" defer></script>
  </div>`;
}
