import { useEffect, useState } from 'preact/hooks';
import { ApiError, FieldProblem } from '../api';
import { signIn } from '../auth/session';
import { problemOf, TextField, useFieldId } from '../components/field';
import { FormErrors } from '../components/form-parts';
import { PlainLayout } from '../components/layout';
import { StatusNotice } from '../components/notices';
import { Page } from '../components/page';

/**
 * The setup token from the address's fragment (`#token=…`), removed from the address bar at
 * once so it stays out of the history; it then lives only in this page's memory. A fragment is
 * never sent to a server, so no log holds it either.
 */
function takeToken(): string {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const token = fragment.get('token') ?? '';
  if (location.hash) history.replaceState(null, '', location.pathname);
  return token;
}

/** POST /console/setup: public, without a Bearer token (there is no administrator yet). */
async function createFirstAdmin(body: object): Promise<{ id: string; username: string }> {
  const response = await fetch('/console/setup', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    cache: 'no-store',
    credentials: 'omit',
  });
  const answer = (await response.json().catch(() => ({}))) as {
    error?: string;
    message?: string;
    details?: FieldProblem[];
    id?: string;
    username?: string;
  };
  if (!response.ok) {
    throw new ApiError(
      response.status,
      answer.error ?? 'error',
      answer.message ?? `The server answered ${response.status}.`,
      Array.isArray(answer.details) ? answer.details : [],
    );
  }
  return answer as { id: string; username: string };
}

/** The first administrator, from the one-time setup link printed at the first start. */
export function Setup(_props: Record<string, unknown>) {
  const [token] = useState(takeToken);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<string | undefined>();
  const ids = {
    username: useFieldId('setup-username'),
    password: useFieldId('setup-password'),
    email: useFieldId('setup-email'),
  };
  useEffect(() => {
    // Belt and braces: a fragment added after the first render is dropped as well.
    if (location.hash) history.replaceState(null, '', location.pathname);
  }, []);

  if (!token) {
    return (
      <PlainLayout>
        <Page title="Set up Gatehouse">
          <p>This page needs the setup link.</p>
          <p>
            On its first start with an empty database and without <code>ADMIN_USERNAME</code>,
            Gatehouse prints the link once, on a line that begins <code>Admin setup:</code>. Open
            that link to create the first administrator.
          </p>
          <p>
            Or set <code>ADMIN_USERNAME</code> and <code>ADMIN_PASSWORD</code> and restart:
            Gatehouse then makes sure that person exists as an administrator at every start.
          </p>
        </Page>
      </PlainLayout>
    );
  }

  const tokenProblem = problemOf(error, 'token');
  return (
    <PlainLayout>
      <Page title="Set up Gatehouse">
        {created ? (
          <>
            <StatusNotice>
              The administrator {created} is ready. The setup link cannot be used again.
            </StatusNotice>
            <button type="button" onClick={() => void signIn('/console/')}>
              Sign in to the console
            </button>
          </>
        ) : (
          <form
            class="stacked"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              setBusy(true);
              setError(undefined);
              createFirstAdmin({
                token,
                username: username.trim(),
                password,
                ...(email.trim() ? { email: email.trim() } : {}),
              })
                .then((person) => setCreated(person.username))
                .catch((caught: unknown) => setError(caught))
                .finally(() => setBusy(false));
            }}
          >
            <p>Create the first administrator of this Gatehouse.</p>
            {tokenProblem && (
              <div class="notice notice-error" role="alert">
                The setup link: {tokenProblem}. It works once; if it was used, sign in with the
                administrator it created, or set ADMIN_USERNAME and ADMIN_PASSWORD.
              </div>
            )}
            <FormErrors error={error} />
            <TextField
              id={ids.username}
              label="Username"
              value={username}
              onValue={setUsername}
              autoComplete="username"
              required
              problem={problemOf(error, 'username')}
            />
            <TextField
              id={ids.password}
              label="Password"
              type="password"
              value={password}
              onValue={setPassword}
              autoComplete="new-password"
              required
              problem={problemOf(error, 'password')}
            />
            <TextField
              id={ids.email}
              label="Email (optional)"
              type="email"
              value={email}
              onValue={setEmail}
              autoComplete="email"
              problem={problemOf(error, 'email')}
            />
            <div class="actions">
              <button type="submit" disabled={busy}>
                Create administrator
              </button>
            </div>
          </form>
        )}
      </Page>
    </PlainLayout>
  );
}
