import { passwordRule } from '../../users/password.policy';
import { csrfField } from '../../authorization/csrf';
import { Html, html, layout } from '../../authorization/views/html';
import { ACCOUNT_NAV } from './account-nav';

/** What every account page shows around its own part. */
export interface AccountShell {
  csrf: string;
  username: string;
  /** The path of this page, marked in the navigation. */
  current: string;
  /** A notice of what just happened (a fixed text of ours, never the request's). */
  notice?: string;
  error?: string;
  /** EMAIL_VERIFICATION=required and the address is unverified: authorizations wait for it. */
  verificationNeeded?: boolean;
}

function accountLayout(title: string, shell: AccountShell, body: Html): string {
  return layout(
    title,
    html`<nav class="account" aria-label="Account">
        ${ACCOUNT_NAV.map((link) =>
          link.href === shell.current
            ? html`<a href="${link.href}" aria-current="page">${link.label}</a>`
            : html`<a href="${link.href}">${link.label}</a>`,
        )}
        <a href="/logout">Sign out</a>
      </nav>
      <h1>${title}</h1>
      ${
        shell.verificationNeeded
          ? html`<p class="notice">
              Confirm your email address before signing in to apps.
              <a href="/verify-email">Send or resend the link</a>
            </p>`
          : ''
      }
      ${shell.notice ? html`<p class="notice" role="status">${shell.notice}</p>` : ''}
      ${shell.error ? html`<p class="error" role="alert">${shell.error}</p>` : ''} ${body}`,
  );
}

/** One optional text field of the profile form, labelled, with its autofill hint and limit. */
function profileField(
  name: string,
  label: string,
  autocomplete: string,
  maxlength: number,
  value: string | null,
): Html {
  return html`<label for="${name}">${label}</label>
    <input
      id="${name}"
      name="${name}"
      type="text"
      autocomplete="${autocomplete}"
      maxlength="${maxlength}"
      value="${value ?? ''}"
    />`;
}

export function profilePage(
  shell: AccountShell,
  profile: { name: string | null; givenName: string | null; familyName: string | null },
): string {
  return accountLayout(
    'Your profile',
    shell,
    html`<p>You are signed in as ${shell.username}.</p>
      <form method="post" action="/account/profile">
        ${csrfField(shell.csrf)} ${profileField('name', 'Full name', 'name', 200, profile.name)}
        ${profileField('given_name', 'Given name', 'given-name', 100, profile.givenName)}
        ${profileField('family_name', 'Family name', 'family-name', 100, profile.familyName)}
        <div class="actions"><button type="submit">Save profile</button></div>
      </form>`,
  );
}

export function emailPage(
  shell: AccountShell,
  input: {
    email: string | null;
    verified: boolean;
    mailDelivers: boolean;
    verificationOff: boolean;
  },
): string {
  const status = !input.email
    ? 'You have no email address yet.'
    : input.verified
      ? `Your address is ${input.email} (confirmed).`
      : `Your address is ${input.email} (not confirmed yet).`;
  return accountLayout(
    'Email address',
    shell,
    html`<p>${status}</p>
      ${
        input.mailDelivers
          ? ''
          : html`<p class="muted">
              This server sends no mail: confirmation links cannot reach you. Ask your administrator
              to confirm your address.
            </p>`
      }
      ${
        input.email && !input.verified && input.mailDelivers && !input.verificationOff
          ? html`<form method="post" action="/account/email/verify" class="inline">
              ${csrfField(shell.csrf)}
              <div class="actions">
                <button type="submit" class="secondary">Send a new confirmation link</button>
              </div>
            </form>`
          : ''
      }
      <form method="post" action="/account/email">
        ${csrfField(shell.csrf)}
        <label for="email">New email address</label>
        <input id="email" name="email" type="email" autocomplete="email" maxlength="254" required />
        <label for="current_password">Current password</label>
        <input
          id="current_password"
          name="current_password"
          type="password"
          autocomplete="current-password"
          required
        />
        <p class="muted">A new address stays unconfirmed until you open the link we send to it.</p>
        <div class="actions"><button type="submit">Change email</button></div>
      </form>`,
  );
}

export function passwordPage(shell: AccountShell, passwordMinLength: number): string {
  return accountLayout(
    'Password',
    shell,
    html`<form method="post" action="/account/password">
      ${csrfField(shell.csrf)}
      <label for="current_password">Current password</label>
      <input
        id="current_password"
        name="current_password"
        type="password"
        autocomplete="current-password"
        required
      />
      <label for="new_password">New password</label>
      <input
        id="new_password"
        name="new_password"
        type="password"
        autocomplete="new-password"
        required
      />
      <p class="muted">${passwordRule(passwordMinLength)}</p>
      <p class="muted">Changing your password signs you out of every other browser and app.</p>
      <div class="actions"><button type="submit">Change password</button></div>
    </form>`,
  );
}

export interface SessionRow {
  handle: string;
  startedAt: Date;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

export function sessionsPage(shell: AccountShell, sessions: SessionRow[]): string {
  const others = sessions.filter((session) => !session.current).length;
  return accountLayout(
    'Active sessions',
    shell,
    html`<ul class="items">
        ${sessions.map(
          (session) =>
            html`<li>
              <strong
                >${session.current ? 'This browser' : describeAgent(session.userAgent)}</strong
              >
              <br /><span class="muted"
                >Signed in ${session.startedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC
                from ${session.ip ?? 'an unknown address'}</span
              >
              ${
                session.current
                  ? ''
                  : html`<form method="post" action="/account/sessions/end" class="inline">
                      ${csrfField(shell.csrf)}
                      <input type="hidden" name="session" value="${session.handle}" />
                      <div class="actions">
                        <button type="submit" class="secondary">Sign out this session</button>
                      </div>
                    </form>`
              }
            </li>`,
        )}
      </ul>
      ${
        others > 0
          ? html`<form method="post" action="/account/sessions/end-others">
              ${csrfField(shell.csrf)}
              <div class="actions"><button type="submit">Sign out all other sessions</button></div>
            </form>`
          : html`<p class="muted">You are signed in nowhere else.</p>`
      }`,
  );
}

/** A User-Agent in a few words: the browser family, never the whole header. */
function describeAgent(agent: string | null): string {
  if (!agent) return 'Unknown browser';
  const browser = /Edg\//.test(agent)
    ? 'Edge'
    : /Firefox\//.test(agent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(agent)
        ? 'Chrome'
        : /Safari\//.test(agent)
          ? 'Safari'
          : 'A browser';
  const system = /Windows/.test(agent)
    ? 'Windows'
    : /Android/.test(agent)
      ? 'Android'
      : /iPhone|iPad/.test(agent)
        ? 'iOS'
        : /Mac OS X/.test(agent)
          ? 'macOS'
          : /Linux/.test(agent)
            ? 'Linux'
            : undefined;
  return system ? `${browser} on ${system}` : browser;
}

export interface AppRow {
  clientId: string;
  clientName: string;
  scopes: string[];
  grantedAt: Date;
}

export function appsPage(shell: AccountShell, apps: AppRow[]): string {
  return accountLayout(
    'Apps with access',
    shell,
    apps.length === 0
      ? html`<p class="muted">You have not allowed any app to remember your consent.</p>`
      : html`<ul class="items">
            ${apps.map(
              (app) =>
                html`<li>
                  <strong>${app.clientName}</strong>
                  <br /><span class="muted"
                    >Allowed ${app.grantedAt.toISOString().slice(0, 10)}:
                    ${app.scopes.join(', ')}</span
                  >
                  <form method="post" action="/account/apps/revoke" class="inline">
                    ${csrfField(shell.csrf)}
                    <input type="hidden" name="client_id" value="${app.clientId}" />
                    <div class="actions">
                      <button type="submit" class="secondary">Revoke access</button>
                    </div>
                  </form>
                </li>`,
            )}
          </ul>
          <p class="muted">Revoking ends the app's access; it asks again next time you use it.</p>`,
  );
}
