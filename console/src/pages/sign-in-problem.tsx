import { signIn } from '../auth/session';
import { PlainLayout } from '../components/layout';
import { Page } from '../components/page';

export function SignInProblemPage(props: { message: string }) {
  return (
    <PlainLayout>
      <Page title="Sign-in did not complete">
        <p role="alert">{props.message}</p>
        <button type="button" onClick={() => void signIn('/console/')}>
          Try again
        </button>
      </Page>
    </PlainLayout>
  );
}
