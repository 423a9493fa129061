import { Page } from '../components/page';

export function NotFound() {
  return (
    <Page title="Page not found">
      <p>
        There is no console page here. <a href="/console/">Go to the home page</a>.
      </p>
    </Page>
  );
}
