import { Page } from '../components/page';

/** Placeholder: built by a page helper. */
export function Audit(_props: Record<string, unknown>) {
  return (
    <Page title="Audit log">
      <p>Coming soon.</p>
    </Page>
  );
}
