import { passwordRule } from '../../users/password.policy';
import { csrfField } from '../csrf';
import { html, layout } from './html';
import { UpstreamChoice, upstreamChoices } from './upstream-pages';
import { passkeySignIn } from './passkey-sign-in';

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Confirm who you are',
  profile: 'See your name',
  email: 'See your email address',
  offline_access: 'Keep access while you are away',
};

const LOGIN_ERRORS: Record<string, string> = {
  invalid: 'The username or password is not right.',
  csrf: 'The form expired. Please try again.',
  missing: 'Enter your username and password.',
  expired: 'Your sign-in took too long or was interrupted. Please sign in again.',
};

export function loginPage(input: {
  csrf: string;
  interaction?: string;
  username?: string;
  error?: string;
  waitSeconds?: number;
  signupEnabled: boolean;
  /** Active upstream providers: "Sign in with <name>" (docs/identity-providers.md). */
  upstream?: UpstreamChoice[];
  /** Offer "Sign in with a passkey" (WebAuthn is configured). */
  passkeys?: boolean;
  /** Where to go after signing in: `security` for /account/security. */
  then?: 'security';
}): string {
  const message =
    input.error === 'throttled'
      ? `Too many failed sign-in attempts. Wait ${Math.ceil((input.waitSeconds ?? 60) / 60)} minute(s) and try again.`
      : input.error
        ? (LOGIN_ERRORS[input.error] ?? LOGIN_ERRORS.invalid)
        : undefined;
  const query = input.interaction ? `?interaction=${encodeURIComponent(input.interaction)}` : '';
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
      ${message ? html`<p class="error" role="alert">${message}</p>` : ''}
      <form method="post" action="/login">
        ${csrfField(input.csrf)}
        ${input.interaction ? html`<input type="hidden" name="interaction" value="${input.interaction}" />` : ''}
        ${input.then ? html`<input type="hidden" name="then" value="${input.then}" />` : ''}
        <label for="username">Username</label>
        <input
          id="username"
          name="username"
          type="text"
          autocomplete="username"
          required
          autofocus
          value="${input.username ?? ''}"
        />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
        />
        <div class="actions"><button type="submit">Sign in</button></div>
      </form>
      ${forgotPasswordLink()} ${upstreamChoices(input.upstream ?? [], input.interaction)}
      ${input.passkeys ? passkeySignIn({ csrf: input.csrf, interaction: input.interaction }) : ''}
      ${input.signupEnabled ? html`<p class="muted footer">New here? <a href="/signup${query}">Create an account</a></p>` : ''}`,
  );
}

/** The login page's way to a password reset (docs/account.md). */
function forgotPasswordLink() {
  return html`<p class="muted footer"><a href="/password/forgot">Forgot password?</a></p>`;
}

export function consentPage(input: {
  csrf: string;
  interaction: string;
  clientName: string;
  username: string;
  scopes: string[];
}): string {
  return layout(
    'Allow access',
    html`<h1>${input.clientName} wants access</h1>
      <p class="muted">Signed in as ${input.username}</p>
      <p>It asks to:</p>
      <ul class="scopes">
        ${input.scopes.map((scope) => html`<li>${SCOPE_DESCRIPTIONS[scope] ?? scope}</li>`)}
      </ul>
      <form method="post" action="/consent">
        ${csrfField(input.csrf)}
        <input type="hidden" name="interaction" value="${input.interaction}" />
        <div class="actions">
          <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
          <button type="submit" name="decision" value="allow">Allow</button>
        </div>
      </form>`,
  );
}

export function signupPage(input: {
  csrf: string;
  /** The configured PASSWORD_MIN_LENGTH, stated in the rule under the password field. */
  passwordMinLength: number;
  interaction?: string;
  error?: string;
  username?: string;
  email?: string;
}): string {
  return layout(
    'Create an account',
    html`<h1>Create an account</h1>
      ${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
      <form method="post" action="/signup">
        ${csrfField(input.csrf)}
        ${input.interaction ? html`<input type="hidden" name="interaction" value="${input.interaction}" />` : ''}
        <label for="username">Username</label>
        <input
          id="username"
          name="username"
          type="text"
          autocomplete="username"
          required
          value="${input.username ?? ''}"
        />
        <label for="email">Email <span class="muted">(optional)</span></label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="email"
          value="${input.email ?? ''}"
        />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="new-password" required />
        <p class="muted">${passwordRule(input.passwordMinLength)}</p>
        <div class="actions"><button type="submit">Create account</button></div>
      </form>`,
  );
}

export function messagePage(title: string, message: string): string {
  return layout(
    title,
    html`<h1>${title}</h1>
      <p>${message}</p>`,
  );
}

export function errorPage(message: string): string {
  return layout(
    'Something is wrong',
    html`<h1>This request cannot continue</h1>
      <p class="error" role="alert">${message}</p>
      <p class="muted">Go back to the application you came from and try again.</p>`,
  );
}

export function logoutConfirmPage(input: {
  csrf: string;
  clientId?: string;
  postLogoutRedirectUri?: string;
  state?: string;
}): string {
  return layout(
    'Sign out',
    html`<h1>Sign out?</h1>
      <p>You will be signed out of Gatehouse on this browser.</p>
      <form method="post" action="/logout">
        ${csrfField(input.csrf)}
        ${input.clientId ? html`<input type="hidden" name="client_id" value="${input.clientId}" />` : ''}
        ${input.postLogoutRedirectUri ? html`<input type="hidden" name="post_logout_redirect_uri" value="${input.postLogoutRedirectUri}" />` : ''}
        ${input.state ? html`<input type="hidden" name="state" value="${input.state}" />` : ''}
        <div class="actions"><button type="submit">Sign out</button></div>
      </form>`,
  );
}
