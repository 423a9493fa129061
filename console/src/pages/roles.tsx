import { Page } from '../components/page';

/** Placeholder: built by a page helper. */
export function RoleList(_props: Record<string, unknown>) {
  return (
    <Page title="Roles">
      <p>Coming soon.</p>
    </Page>
  );
}
