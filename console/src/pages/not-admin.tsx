import { person, signOut } from '../auth/session';
import { PlainLayout } from '../components/layout';
import { Page } from '../components/page';

/**
 * For a person who signed in but holds no administrator role: their token came back without
 * iam:admin (docs/console.md), so the console has nothing to show them.
 */
export function NotAdmin() {
  const who = person();
  return (
    <PlainLayout>
      <Page title="Not an administrator">
        <p>
          You are signed in{who ? ` as ${who.name}` : ''}, but you are not an administrator of this
          Gatehouse. The console is for people who hold the <code>iam:admin</code> permission
          through a role.
        </p>
        <p>Ask an administrator to give you a role that holds it, then sign in again.</p>
        <p>
          <a href="/account">Go to your account</a>
        </p>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </Page>
    </PlainLayout>
  );
}
