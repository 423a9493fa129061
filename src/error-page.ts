import { PAGE_HEADERS } from './authorization/page-response';
import { errorPage } from './authorization/views/pages';
import { ErrorPage } from './common/all-exceptions.filter';

/** Errors on the pages a person sees (login, consent, sign-up, /authorize) are HTML pages. */
export const htmlErrorPage: ErrorPage = (message) => ({
  headers: PAGE_HEADERS,
  body: errorPage(message),
});
