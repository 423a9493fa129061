import { passwordRule } from '../../users/password.policy';
import { csrfField } from '../../authorization/csrf';
import { html, layout } from '../../authorization/views/html';

const NO_MAIL = html`<p class="notice">
  This server is not set up to send mail, so it cannot send you a link. Ask your administrator for
  help.
</p>`;

export function forgotPasswordPage(input: {
  csrf: string;
  mailDelivers: boolean;
  error?: string;
}): string {
  return layout(
    'Forgot password',
    html`<h1>Forgot your password?</h1>
      ${input.mailDelivers ? '' : NO_MAIL}
      ${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
      <p>
        Enter your username or email address. If it belongs to an account, we send a link to choose
        a new password to the account's email address.
      </p>
      <form method="post" action="/password/forgot">
        ${csrfField(input.csrf)}
        <label for="username">Username or email address</label>
        <input
          id="username"
          name="username"
          type="text"
          autocomplete="username"
          maxlength="254"
          required
          autofocus
        />
        <div class="actions"><button type="submit">Send reset link</button></div>
      </form>
      <p class="muted footer"><a href="/login">Back to sign in</a></p>`,
  );
}

/** The one answer to every accepted request, whether or not an account matched. */
export function resetRequestedPage(input: { validMinutes: number; mailDelivers: boolean }): string {
  return layout(
    'Check your mail',
    html`<h1>Check your mail</h1>
      ${input.mailDelivers ? '' : NO_MAIL}
      <p>
        If an account matches what you entered and has an email address, a link to choose a new
        password is on its way there. The link works once, for ${input.validMinutes} minutes.
      </p>
      <p class="muted">
        Nothing arrived after a few minutes? Check your spam folder, or
        <a href="/password/forgot">try again</a> with your username.
      </p>
      <p class="muted footer"><a href="/login">Back to sign in</a></p>`,
  );
}

export function resetPasswordPage(input: {
  csrf: string;
  token: string;
  passwordMinLength: number;
  error?: string;
}): string {
  return layout(
    'Choose a new password',
    html`<h1>Choose a new password</h1>
      ${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
      <form method="post" action="/password/reset">
        ${csrfField(input.csrf)}
        <input type="hidden" name="token" value="${input.token}" />
        <label for="password">New password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="new-password"
          required
          autofocus
        />
        <p class="muted">${passwordRule(input.passwordMinLength)}</p>
        <p class="muted">Saving signs you out of every browser and app.</p>
        <div class="actions"><button type="submit">Save new password</button></div>
      </form>`,
  );
}

export function linkInvalidPage(kind: 'reset' | 'verification'): string {
  const again =
    kind === 'reset'
      ? html`<a href="/password/forgot">Ask for a new link</a>`
      : html`<a href="/verify-email">Ask for a new link</a> (sign in first)`;
  return layout(
    'Link not valid',
    html`<h1>This link does not work</h1>
      <p class="error" role="alert">
        The link is unknown, was already used, was replaced by a newer one, or has expired.
      </p>
      <p>${again}.</p>`,
  );
}

export function resetDonePage(): string {
  return layout(
    'Password changed',
    html`<h1>Password changed</h1>
      <p>Your new password is saved. You were signed out of every browser and app.</p>
      <p><a href="/login">Sign in with your new password</a></p>`,
  );
}

/** EMAIL_VERIFICATION: the page a person waits on until the link is opened. */
export function checkMailPage(input: {
  csrf: string;
  interaction?: string;
  email: string | null;
  mailDelivers: boolean;
  notice?: string;
  error?: string;
  required: boolean;
}): string {
  const continuePath = input.interaction
    ? `/authorize/continue?interaction=${encodeURIComponent(input.interaction)}`
    : '/account';
  return layout(
    'Confirm your email',
    html`<h1>Confirm your email address</h1>
      ${input.mailDelivers ? '' : NO_MAIL}
      ${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ''}
      ${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
      ${
        input.email
          ? html`<p>
              ${input.required ? 'Before you continue, confirm' : 'Confirm'} that ${input.email} is
              yours: open the link we mail to it.
            </p>`
          : html`<p>Your account has no email address. <a href="/account/email">Add one</a>.</p>`
      }
      ${
        input.email && input.mailDelivers
          ? html`<form method="post" action="/verify-email">
              ${csrfField(input.csrf)}
              ${
                input.interaction
                  ? html`<input type="hidden" name="interaction" value="${input.interaction}" />`
                  : ''
              }
              <div class="actions">
                <button type="submit" class="secondary">Send a new link</button>
              </div>
            </form>`
          : ''
      }
      <p class="footer"><a href="${continuePath}">I have confirmed it: continue</a></p>
      <p class="muted"><a href="/account/email">Change the address</a></p>`,
  );
}

/** The page a mailed link opens: one button, so a mail scanner's visit redeems nothing. */
export function confirmEmailPage(input: { csrf: string; token: string }): string {
  return layout(
    'Confirm your email',
    html`<h1>Confirm your email address</h1>
      <form method="post" action="/verify-email/confirm">
        ${csrfField(input.csrf)}
        <input type="hidden" name="token" value="${input.token}" />
        <div class="actions"><button type="submit">Confirm my email address</button></div>
      </form>`,
  );
}

export function emailConfirmedPage(): string {
  return layout(
    'Email confirmed',
    html`<h1>Email confirmed</h1>
      <p>Thank you: your email address is confirmed.</p>
      <p>
        <a href="/account">Go to your account</a>, or return to the app you were signing in to.
      </p>`,
  );
}
