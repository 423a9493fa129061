import { Page } from '../components/page';

/** Placeholder: built by a page helper. */
export function Why(_props: Record<string, unknown>) {
  return (
    <Page title="Why?">
      <p>Coming soon.</p>
    </Page>
  );
}
