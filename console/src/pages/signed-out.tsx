import { signIn } from '../auth/session';
import { PlainLayout } from '../components/layout';
import { Page } from '../components/page';

/** Where RP-initiated logout comes back to. */
export function SignedOut() {
  return (
    <PlainLayout>
      <Page title="Signed out">
        <p>You are signed out of Gatehouse.</p>
        <button type="button" onClick={() => void signIn('/console/')}>
          Sign in again
        </button>
      </Page>
    </PlainLayout>
  );
}
