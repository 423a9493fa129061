import { html, Html } from '../../authorization/views/html';

/** The passkeys part of /account/security: their names, and where to manage them. */
export function passkeysSection(input: { names: string[] }): Html {
  return html`<section class="passkeys">
    <h2>Passkeys</h2>
    ${
      input.names.length === 0
        ? html`<p>
            You have no passkeys. A passkey signs you in without a password, or serves as your
            second factor.
          </p>`
        : html`<ul>
            ${input.names.map((name) => html`<li>${name}</li>`)}
          </ul>`
    }
    <p><a href="/account/passkeys">Manage passkeys</a></p>
  </section>`;
}
