import { Page } from '../components/page';

/** Placeholder: built by a page helper. */
export function Setup(_props: Record<string, unknown>) {
  return (
    <Page title="Set up Gatehouse">
      <p>Coming soon.</p>
    </Page>
  );
}
