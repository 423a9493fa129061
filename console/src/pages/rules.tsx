import { Page } from '../components/page';

/** Placeholder: built by a page helper. */
export function Rules(_props: Record<string, unknown>) {
  return (
    <Page title="Access rules">
      <p>Coming soon.</p>
    </Page>
  );
}
