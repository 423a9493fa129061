import { Page } from '../components/page';

/** Placeholder: built by a page helper. */
export function UserList(_props: Record<string, unknown>) {
  return (
    <Page title="Users">
      <p>Coming soon.</p>
    </Page>
  );
}
