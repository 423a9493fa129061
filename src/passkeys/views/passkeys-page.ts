import { csrfField } from '../../authorization/csrf';
import { html, layout } from '../../authorization/views/html';
import { MAX_PASSKEY_NAME } from '../webauthn-response';

export interface PasskeyRow {
  id: string;
  name: string;
  /** `hwk`-style bound to one device, or synced. */
  synced: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const NOTICES: Record<string, string> = {
  added: 'The passkey was added.',
  removed: 'The passkey was removed.',
  renamed: 'The passkey was renamed.',
};

const ERRORS: Record<string, string> = {
  csrf: 'The form expired. Please try again.',
  reauth: 'Sign in again to change your passkeys.',
  name: `Give the passkey a name of 1 to ${MAX_PASSKEY_NAME} characters.`,
  missing: 'That passkey is not there any more.',
};

const day = (date: Date) => date.toISOString().slice(0, 10);

/**
 * /account/passkeys: the person's passkeys, with rename and remove (forms, no JavaScript) and
 * "Add a passkey" (WebAuthn, /assets/passkeys.js). Changes need a recent sign-in.
 */
export function passkeysPage(input: {
  csrf: string;
  username: string;
  passkeys: PasskeyRow[];
  /** Signed in recently enough to add or remove (docs/passkeys.md, Re-authentication). */
  recent: boolean;
  notice?: string;
  error?: string;
}): string {
  const notice = input.notice ? NOTICES[input.notice] : undefined;
  const error = input.error ? (ERRORS[input.error] ?? ERRORS.csrf) : undefined;
  return layout(
    'Passkeys',
    html`<h1>Passkeys</h1>
      <p class="muted">Signed in as ${input.username}</p>
      ${notice ? html`<p role="status">${notice}</p>` : ''}
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      ${
        input.passkeys.length === 0
          ? html`<p>You have no passkeys yet.</p>`
          : html`<ul class="passkeys">
              ${input.passkeys.map(
                (passkey) =>
                  html`<li>
                    <strong>${passkey.name}</strong>
                    <span class="muted"
                      >${passkey.synced ? 'synced' : 'on one device'}, added
                      ${day(passkey.createdAt)},
                      ${passkey.lastUsedAt ? `last used ${day(passkey.lastUsedAt)}` : 'never used'}</span
                    >
                    ${
                      input.recent
                        ? html`<form method="post" action="/account/passkeys/${passkey.id}/rename">
                              ${csrfField(input.csrf)}
                              <label for="name-${passkey.id}">New name</label>
                              <input
                                id="name-${passkey.id}"
                                name="name"
                                type="text"
                                maxlength="${MAX_PASSKEY_NAME}"
                                required
                                value="${passkey.name}"
                              />
                              <div class="actions">
                                <button type="submit" class="secondary">Rename</button>
                              </div>
                            </form>
                            <form method="post" action="/account/passkeys/${passkey.id}/delete">
                              ${csrfField(input.csrf)}
                              <div class="actions">
                                <button type="submit" class="secondary">
                                  Remove ${passkey.name}
                                </button>
                              </div>
                            </form>`
                        : ''
                    }
                  </li>`,
              )}
            </ul>`
      }
      ${
        input.recent
          ? html`<h2>Add a passkey</h2>
              <p class="muted" data-passkey-needs-js>
                Passkeys need JavaScript, which is off in this browser.
              </p>
              <p class="error" role="alert" data-passkey-error hidden></p>
              <form data-passkey-register data-csrf="${input.csrf}" hidden>
                <label for="passkey-name">Name</label>
                <input
                  id="passkey-name"
                  name="name"
                  type="text"
                  maxlength="${MAX_PASSKEY_NAME}"
                  required
                  value="Passkey"
                />
                <div class="actions"><button type="submit">Add a passkey</button></div>
              </form>
              <script src="/assets/webauthn-browser.js" defer></script>
              <script src="/assets/passkeys.js" defer></script>`
          : html`<p>To add, rename or remove passkeys, sign in again first.</p>
              <form method="post" action="/account/passkeys/sign-in-again">
                ${csrfField(input.csrf)}
                <div class="actions"><button type="submit">Sign in again</button></div>
              </form>`
      }
      <p class="muted footer"><a href="/account">Back to your account</a></p>`,
  );
}
