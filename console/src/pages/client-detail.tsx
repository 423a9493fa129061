import { Page } from '../components/page';

/** Placeholder: built by a page helper. */
export function ClientDetail(_props: Record<string, unknown>) {
  return (
    <Page title="Client">
      <p>Coming soon.</p>
    </Page>
  );
}
