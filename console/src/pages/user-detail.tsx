import { Page } from '../components/page';

/** Placeholder: built by a page helper. */
export function UserDetail(_props: Record<string, unknown>) {
  return (
    <Page title="User">
      <p>Coming soon.</p>
    </Page>
  );
}
