import { Page } from '../components/page';

/** Placeholder: built by a page helper. */
export function RoleDetail(_props: Record<string, unknown>) {
  return (
    <Page title="Role">
      <p>Coming soon.</p>
    </Page>
  );
}
