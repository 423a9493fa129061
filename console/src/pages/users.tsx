import { segment } from '../api';
import { StatusBadge, When } from '../components/format';
import { SearchableList } from '../components/list';
import { UserView } from './users/user-model';

/** The people: search by username, email or name, filter by status, a page at a time. */
export function UserList(_props: Record<string, unknown>) {
  return (
    <SearchableList<UserView>
      title="Users"
      noun="user"
      path="/admin/users"
      newHref="/console/users/new"
      columns={['Username', 'Name', 'Email', 'Status', 'Created']}
      row={(user) => (
        <tr key={user.id}>
          <td>
            <a href={`/console/users/${segment(user.id)}`}>{user.username}</a>
          </td>
          <td>{user.name ?? <span class="muted">none</span>}</td>
          <td>
            {user.email ?? <span class="muted">none</span>}
            {user.email && !user.email_verified && <span class="muted"> (unverified)</span>}
          </td>
          <td>
            <StatusBadge status={user.status} />
          </td>
          <td>
            <When iso={user.created_at} empty="never" />
          </td>
        </tr>
      )}
    />
  );
}
