import { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, Page as ListPage } from '../api';
import { ErrorNotice, Loading } from './notices';
import { Page } from './page';
import { Pager } from './pager';
import { SearchForm } from './search';
import { StatusFilter, StatusFilterValue } from './status-filter';
import { Table } from './table';
import { Loaded, useAsync } from './use-async';

/** The admin API's page size for the console's lists. */
export const LIST_LIMIT = 25;

/**
 * One page of a list as it loads: "Loading …", then the empty state or the table of its items,
 * and the pager. The caller shows the load's error (some pages show it beside their filters).
 */
export function ListResults<T>(props: {
  loaded: Loaded<ListPage<T>>;
  /** For "Loading {what}…". */
  what: string;
  /** Shown instead of the table when the page has no item. */
  empty: ComponentChildren;
  caption: string;
  columns: string[];
  /** One `<tr>` an item. */
  row: (item: T) => ComponentChildren;
  pagerLabel: string;
  /** The page size the list was asked for (LIST_LIMIT by default). */
  limit?: number;
  offset: number;
  onOffset: (offset: number) => void;
}) {
  const { data, loading } = props.loaded;
  return (
    <>
      {loading && !data && <Loading what={props.what} />}
      {data && (
        <>
          {data.items.length === 0 ? (
            props.empty
          ) : (
            <Table caption={props.caption} columns={props.columns}>
              <tbody>{data.items.map(props.row)}</tbody>
            </Table>
          )}
          <Pager
            label={props.pagerLabel}
            total={data.total}
            limit={props.limit ?? LIST_LIMIT}
            offset={props.offset}
            onOffset={props.onOffset}
          />
        </>
      )}
    </>
  );
}

/**
 * A list page of the admin API's searchable lists (`?q=&status=&limit=&offset=`): search, status
 * filter, a page at a time, with a link to create a new item. `title` is plural ("Clients"),
 * `noun` singular ("client"); they name the search field, the table and the pager.
 */
export function SearchableList<T>(props: {
  title: string;
  noun: string;
  path: string;
  newHref: string;
  columns: string[];
  row: (item: T) => ComponentChildren;
}) {
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<StatusFilterValue>('');
  const [offset, setOffset] = useState(0);
  const page = useAsync(
    () => api.page<T>(props.path, { q, status, limit: LIST_LIMIT, offset }),
    [props.path, q, status, offset],
  );
  const plural = props.title.toLowerCase();
  return (
    <Page
      title={props.title}
      actions={
        <a class="button" href={props.newHref}>
          New {props.noun}
        </a>
      }
    >
      <div class="list-filters">
        <SearchForm
          label={`Search ${plural}`}
          value={q}
          onSearch={(query) => {
            setQ(query);
            setOffset(0);
          }}
        />
        <StatusFilter
          value={status}
          onValue={(value) => {
            setStatus(value);
            setOffset(0);
          }}
        />
      </div>
      <ErrorNotice error={page.error} />
      <ListResults
        loaded={page}
        what={plural}
        empty={<p>{q || status ? `No ${props.noun} matches.` : `There are no ${plural} yet.`}</p>}
        caption={props.title}
        columns={props.columns}
        row={props.row}
        pagerLabel={props.title}
        offset={offset}
        onOffset={setOffset}
      />
    </Page>
  );
}
