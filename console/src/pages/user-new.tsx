import { Page } from '../components/page';

/** Placeholder: built by a page helper. */
export function NewUser(_props: Record<string, unknown>) {
  return (
    <Page title="New user">
      <p>Coming soon.</p>
    </Page>
  );
}
