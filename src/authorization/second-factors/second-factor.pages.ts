import { csrfField } from '../csrf';
import { Html, html, layout } from '../views/html';

const CODE_ERRORS: Record<string, string> = {
  invalid: 'That code is not right, or was already used.',
  csrf: 'The form expired. Please try again.',
  missing: 'Enter the code from your authenticator app, or a recovery code.',
};

function codeError(error: string | undefined, waitSeconds: number | undefined): string | undefined {
  if (error === 'throttled')
    return `Too many wrong codes. Wait ${Math.ceil((waitSeconds ?? 60) / 60)} minute(s) and try again.`;
  return error ? (CODE_ERRORS[error] ?? CODE_ERRORS.invalid) : undefined;
}

/** The one-time code input (RFC 6238 TOTP or a recovery code), named `otp`. */
function otpInput(label: string): Html {
  return html`<label for="otp">${label}</label>
    <input
      id="otp"
      name="otp"
      type="text"
      inputmode="text"
      autocomplete="one-time-code"
      autocapitalize="characters"
      spellcheck="false"
      maxlength="32"
      required
      autofocus
    />`;
}

/** The second step of a sign-in: a one-time code, and what other factor kinds offer. */
export function secondFactorPage(input: {
  csrf: string;
  interaction?: string;
  then?: string;
  error?: string;
  waitSeconds?: number;
  /** Whether the person has an authenticator app; without one, a recovery code still works. */
  hasAuthenticatorApp: boolean;
  options: Html[];
}): string {
  const message = codeError(input.error, input.waitSeconds);
  return layout(
    'Two-step verification',
    html`<h1>Two-step verification</h1>
      ${message ? html`<p class="error" role="alert">${message}</p>` : ''}
      <p class="muted">
        ${
          input.hasAuthenticatorApp
            ? 'Enter the 6-digit code from your authenticator app. Lost it? Enter one of your recovery codes instead.'
            : 'Confirm it is you with one of the ways below, or enter one of your recovery codes.'
        }
      </p>
      <form method="post" action="/login/second-factor">
        ${csrfField(input.csrf)}
        ${input.interaction ? html`<input type="hidden" name="interaction" value="${input.interaction}" />` : ''}
        ${input.then ? html`<input type="hidden" name="then" value="${input.then}" />` : ''}
        ${otpInput('Code')}
        <div class="actions"><button type="submit">Verify</button></div>
      </form>
      ${input.options}
      <p class="muted footer"><a href="/login">Start over</a></p>`,
  );
}

export interface SecurityPageInput {
  csrf: string;
  username: string;
  /** When the confirmed authenticator was set up, or null. */
  totpSince: Date | null;
  /** An enrolment begun and not yet confirmed: the seed to show, its URI and QR code. */
  enrolment: { secret: string; uri: string; qrSvg: string } | null;
  recoveryCodesRemaining: number;
  /** Whether the session is recent enough to change second factors. */
  recent: boolean;
  interaction?: string;
  /** The policy asks this person to set up a second factor before going on. */
  required: boolean;
  error?: string;
  notice?: string;
  /** Other factor kinds' sections (passkeys, say). */
  sections: Html[];
}

const SECURITY_ERRORS: Record<string, string> = {
  csrf: 'The form expired. Please try again.',
  invalid: 'That code is not right. Check the time on your phone and try the newest code.',
  reauth: 'For your security, sign in again before changing your second factors.',
  throttled: 'Too many wrong codes. Wait a few minutes and try again.',
};

function hidden(name: string, value: string | undefined): Html | string {
  return value ? html`<input type="hidden" name="${name}" value="${value}" />` : '';
}

/** /account/security: the person's second factors, with enrolment and removal. */
export function securityPage(input: SecurityPageInput): string {
  const error = input.error ? (SECURITY_ERRORS[input.error] ?? SECURITY_ERRORS.csrf) : undefined;
  const reauth = input.interaction
    ? `/login?interaction=${encodeURIComponent(input.interaction)}`
    : '/login?then=security';
  const form = (action: string, body: Html | string, button: string, secondary = false) =>
    html`<form method="post" action="${action}">
      ${csrfField(input.csrf)} ${hidden('interaction', input.interaction)} ${body}
      <div class="actions">
        <button type="submit" class="${secondary ? 'secondary' : ''}">${button}</button>
      </div>
    </form>`;
  const totpSection = input.enrolment
    ? html`<h2>Set up your authenticator app</h2>
        <p>Scan this QR code with an authenticator app, then enter the code it shows.</p>
        <div class="qr" role="img" aria-label="QR code of the authenticator setup link">
          ${new Html(input.enrolment.qrSvg)}
        </div>
        <p class="muted">
          Cannot scan? Enter this key by hand:
          <code class="secret">${input.enrolment.secret}</code>, or open
          <a href="${input.enrolment.uri}">the setup link</a> on this device.
        </p>
        ${form('/account/security/totp/confirm', otpInput('Code from the app'), 'Confirm')}`
    : input.totpSince
      ? html`<h2>Authenticator app</h2>
          <p>On since ${input.totpSince.toISOString().slice(0, 10)}.</p>
          ${form('/account/security/totp/remove', '', 'Remove authenticator app', true)}
          <h2>Recovery codes</h2>
          <p>${input.recoveryCodesRemaining} of 10 unused.</p>
          ${form('/account/security/recovery-codes', '', 'Make new recovery codes', true)}`
      : html`<h2>Authenticator app</h2>
          <p>Not set up. An authenticator app gives you a code to enter after your password.</p>
          ${form('/account/security/totp', '', 'Set up authenticator app')}`;
  return layout(
    'Security',
    html`<h1>Security</h1>
      <p class="muted">Signed in as ${input.username}</p>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      ${input.notice ? html`<p class="notice" role="status">${input.notice}</p>` : ''}
      ${
        input.required
          ? html`<p class="notice" role="status">
              A second factor is required to continue. Set up an authenticator app.
            </p>`
          : ''
      }
      ${
        input.recent
          ? totpSection
          : html`<p>To change your second factors, <a href="${reauth}">sign in again</a> first.</p>`
      }
      ${input.sections}
      <p class="muted footer"><a href="/account">Back to your account</a></p>`,
  );
}

/** New recovery codes, shown this once. */
export function recoveryCodesPage(input: {
  codes: string[];
  next: string;
  heading: string;
}): string {
  return layout(
    'Recovery codes',
    html`<h1>${input.heading}</h1>
      <p>
        Keep these recovery codes somewhere safe. Each one signs you in once if you lose your
        authenticator app. They are shown only now.
      </p>
      <ul class="codes">
        ${input.codes.map((code) => html`<li><code>${code}</code></li>`)}
      </ul>
      <p><a href="${input.next}">Continue</a></p>`,
  );
}
