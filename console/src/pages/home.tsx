import { Page } from '../components/page';

/** Placeholder: built by a page helper. */
export function Home(_props: Record<string, unknown>) {
  return (
    <Page title="Home">
      <p>Coming soon.</p>
    </Page>
  );
}
