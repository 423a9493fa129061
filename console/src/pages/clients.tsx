import { Page } from '../components/page';

/** Placeholder: built by a page helper. */
export function ClientList(_props: Record<string, unknown>) {
  return (
    <Page title="Clients">
      <p>Coming soon.</p>
    </Page>
  );
}
