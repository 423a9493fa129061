import { Page } from '../components/page';

/** Placeholder: built by a page helper. */
export function Keys(_props: Record<string, unknown>) {
  return (
    <Page title="Signing keys">
      <p>Coming soon.</p>
    </Page>
  );
}
