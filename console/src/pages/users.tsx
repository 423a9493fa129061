import { useState } from 'preact/hooks';
import { api, segment } from '../api';
import { ErrorNotice, Loading } from '../components/notices';
import { Page } from '../components/page';
import { Pager } from '../components/pager';
import { SearchForm } from '../components/search';
import { Table } from '../components/table';
import { useAsync } from '../components/use-async';
import { StatusBadge, When } from './clients/shared';
import { StatusFilter, StatusFilterValue } from './clients/status-filter';
import { UserView } from './users/user-model';

const LIMIT = 25;

/** The people: search by username, email or name, filter by status, a page at a time. */
export function UserList(_props: Record<string, unknown>) {
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<StatusFilterValue>('');
  const [offset, setOffset] = useState(0);
  const page = useAsync(
    () => api.page<UserView>('/admin/users', { q, status, limit: LIMIT, offset }),
    [q, status, offset],
  );
  return (
    <Page
      title="Users"
      actions={
        <a class="button" href="/console/users/new">
          New user
        </a>
      }
    >
      <div class="list-filters">
        <SearchForm
          label="Search users"
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
      {page.loading && !page.data && <Loading what="users" />}
      {page.data && (
        <>
          {page.data.items.length === 0 ? (
            <p>{q || status ? 'No user matches.' : 'There are no users yet.'}</p>
          ) : (
            <Table caption="Users">
              <thead>
                <tr>
                  <th scope="col">Username</th>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {page.data.items.map((user) => (
                  <tr key={user.id}>
                    <td>
                      <a href={`/console/users/${segment(user.id)}`}>{user.username}</a>
                    </td>
                    <td>{user.name ?? <span class="muted">none</span>}</td>
                    <td>
                      {user.email ?? <span class="muted">none</span>}
                      {user.email && !user.email_verified && (
                        <span class="muted"> (unverified)</span>
                      )}
                    </td>
                    <td>
                      <StatusBadge status={user.status} />
                    </td>
                    <td>
                      <When iso={user.created_at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
          <Pager
            label="Users"
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
