import { Page } from '../components/page';

/** Placeholder: built by a page helper. */
export function NewClient(_props: Record<string, unknown>) {
  return (
    <Page title="New client">
      <p>Coming soon.</p>
    </Page>
  );
}
