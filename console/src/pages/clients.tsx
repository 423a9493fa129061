import { useState } from 'preact/hooks';
import { api, segment } from '../api';
import { ErrorNotice, Loading } from '../components/notices';
import { Page } from '../components/page';
import { Pager } from '../components/pager';
import { SearchForm } from '../components/search';
import { Table } from '../components/table';
import { useAsync } from '../components/use-async';
import { ClientView } from './clients/client-model';
import { StatusBadge } from './clients/shared';
import { StatusFilter, StatusFilterValue } from './clients/status-filter';

const LIMIT = 25;

const TYPE_LABELS: Record<string, string> = {
  public: 'Public',
  confidential: 'Confidential',
  m2m: 'Machine to machine',
};

/** The clients: search by name or client_id, filter by status, a page at a time. */
export function ClientList(_props: Record<string, unknown>) {
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<StatusFilterValue>('');
  const [offset, setOffset] = useState(0);
  const page = useAsync(
    () => api.page<ClientView>('/admin/clients', { q, status, limit: LIMIT, offset }),
    [q, status, offset],
  );
  return (
    <Page
      title="Clients"
      actions={
        <a class="button" href="/console/clients/new">
          New client
        </a>
      }
    >
      <div class="list-filters">
        <SearchForm
          label="Search clients"
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
      {page.loading && !page.data && <Loading what="clients" />}
      {page.data && (
        <>
          {page.data.items.length === 0 ? (
            <p>{q || status ? 'No client matches.' : 'There are no clients yet.'}</p>
          ) : (
            <Table caption="Clients">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">client_id</th>
                  <th scope="col">Type</th>
                  <th scope="col">Authentication</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {page.data.items.map((client) => (
                  <tr key={client.client_id}>
                    <td>
                      <a href={`/console/clients/${segment(client.client_id)}`}>
                        {client.client_name}
                      </a>
                    </td>
                    <td>
                      <code>{client.client_id}</code>
                    </td>
                    <td>{TYPE_LABELS[client.client_type] ?? client.client_type}</td>
                    <td>
                      <code>{client.token_endpoint_auth_method}</code>
                    </td>
                    <td>
                      <StatusBadge status={client.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
          <Pager
            label="Clients"
            total={page.data.total}
            limit={LIMIT}
            offset={offset}
            onOffset={setOffset}
          />
        </>
      )}
    </Page>
  );
}
