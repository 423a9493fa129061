import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, segment } from '../api';
import { ErrorNotice } from '../components/notices';
import { Page } from '../components/page';
import { ListResults } from '../components/list';
import { useAsync } from '../components/use-async';
import { RoleForm } from './access/role-form';

/** GET /admin/roles (docs/endpoints.md). */
export interface Role {
  name: string;
  description: string | null;
  permissions: string[];
  conditions: Record<string, string>;
  created_at: string;
  updated_at: string;
}

const LIMIT = 50;

/** The roles with their permissions, and a form for a new one. */
export function RoleList(_props: Record<string, unknown>) {
  const { route } = useLocation();
  const [offset, setOffset] = useState(0);
  const roles = useAsync(() => api.page<Role>('/admin/roles', { limit: LIMIT, offset }), [offset]);
  return (
    <Page title="Roles">
      <p class="hint">
        A role is a named set of permissions (<span class="mono">resource:action</span>). Users and
        clients hold roles; access rules ask for permissions.
      </p>
      <ErrorNotice error={roles.error} />
      <ListResults
        loaded={roles}
        what="roles"
        empty={<p>No role yet.</p>}
        caption="Roles"
        columns={['Name', 'Description', 'Permissions']}
        row={(role) => (
          <tr key={role.name}>
            <td>
              <a href={`/console/roles/${segment(role.name)}`}>{role.name}</a>
            </td>
            <td>{role.description ?? ''}</td>
            <td>
              {role.permissions.length === 0 ? (
                <span class="muted">none</span>
              ) : (
                <ul class="plain-list">
                  {role.permissions.map((permission) => (
                    <li key={permission} class="mono">
                      {permission}
                      {role.conditions[permission] !== undefined && ' (with a condition)'}
                    </li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        )}
        pagerLabel="Roles"
        limit={LIMIT}
        offset={offset}
        onOffset={setOffset}
      />
      <section aria-labelledby="new-role">
        <h2 id="new-role">New role</h2>
        <RoleForm
          initial={{ name: '', description: '', permissions: '' }}
          withName
          submitLabel="Create role"
          onSubmit={async (body) => {
            const created = await api.post<Role>('/admin/roles', {
              ...body,
              description: body.description || undefined,
            });
            route(`/console/roles/${segment(created.name)}?created=1`);
          }}
        />
      </section>
    </Page>
  );
}
