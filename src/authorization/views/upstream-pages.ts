import { csrfField } from '../csrf';
import { html, Html, layout } from './html';

/** One "Sign in with <name>" choice of the login page. */
export interface UpstreamChoice {
  alias: string;
  name: string;
}

/**
 * The login page's piece for upstream providers: a link per active provider that starts its
 * sign-in, carrying the pending authorization request (`interaction`) along. Empty without any.
 */
export function upstreamChoices(choices: UpstreamChoice[], interaction?: string): Html | '' {
  if (choices.length === 0) return '';
  const query = interaction ? `?interaction=${encodeURIComponent(interaction)}` : '';
  return html`<div class="upstream">
    <p class="muted">Or sign in with another account</p>
    ${choices.map(
      (choice) =>
        html`<a class="button secondary" href="/login/upstream/${choice.alias}${query}"
          >Sign in with ${choice.name}</a
        >`,
    )}
  </div>`;
}

const LINK_ERRORS: Record<string, string> = {
  invalid: 'That password is not right.',
  csrf: 'The form expired. Please try again.',
};

/** Links an upstream identity to the account that has its verified email, by that account's password. */
export function linkAccountPage(input: {
  csrf: string;
  providerName: string;
  username: string;
  error?: string;
  waitSeconds?: number;
}): string {
  const message =
    input.error === 'throttled'
      ? `Too many failed attempts. Wait ${Math.ceil((input.waitSeconds ?? 60) / 60)} minute(s) and try again.`
      : input.error
        ? (LINK_ERRORS[input.error] ?? LINK_ERRORS.invalid)
        : undefined;
  return layout(
    'Link your account',
    html`<h1>Link your account</h1>
      ${message ? html`<p class="error" role="alert">${message}</p>` : ''}
      <p>
        You signed in with ${input.providerName}, and the account
        <strong>${input.username}</strong> here has the same verified email address.
      </p>
      <p>
        Enter that account's password to link the two. From then on, ${input.providerName} signs you
        in to it.
      </p>
      <form method="post" action="/login/link">
        ${csrfField(input.csrf)}
        <label for="password">Password of ${input.username}</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          autofocus
        />
        <div class="actions"><button type="submit">Link and sign in</button></div>
      </form>
      <p class="muted footer"><a href="/login">Cancel</a></p>`,
  );
}

/** The refusal page of an upstream sign-in: what happened and what to do, never why in detail. */
export function upstreamRefusalPage(title: string, message: string): string {
  return layout(
    title,
    html`<h1>${title}</h1>
      <p class="error" role="alert">${message}</p>
      <p class="muted"><a href="/login">Back to sign in</a></p>`,
  );
}
