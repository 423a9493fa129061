import { segment } from '../api';
import { StatusBadge } from '../components/format';
import { SearchableList } from '../components/list';
import { ClientView } from './clients/client-model';

const TYPE_LABELS: Record<string, string> = {
  public: 'Public',
  confidential: 'Confidential',
  m2m: 'Machine to machine',
};

/** The clients: search by name or client_id, filter by status, a page at a time. */
export function ClientList(_props: Record<string, unknown>) {
  return (
    <SearchableList<ClientView>
      title="Clients"
      noun="client"
      path="/admin/clients"
      newHref="/console/clients/new"
      columns={['Name', 'client_id', 'Type', 'Authentication', 'Status']}
      row={(client) => (
        <tr key={client.client_id}>
          <td>
            <a href={`/console/clients/${segment(client.client_id)}`}>{client.client_name}</a>
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
      )}
    />
  );
}
