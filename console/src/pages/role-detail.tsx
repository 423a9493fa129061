import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api, segment } from '../api';
import { ConfirmButton } from '../components/confirm';
import { ErrorNotice, Loading, StatusNotice } from '../components/notices';
import { Page } from '../components/page';
import { useAsync } from '../components/use-async';
import { RoleForm } from './access/role-form';
import { When } from '../components/format';
import type { Role } from './roles';

/** One role: its description and permissions (PATCH), and delete. */
export function RoleDetail(_props: Record<string, unknown>) {
  const { params, query } = useRoute();
  const { route } = useLocation();
  const name = params.name ?? '';
  const role = useAsync(() => api.get<Role>(`/admin/roles/${segment(name)}`), [name]);
  const [saved, setSaved] = useState<string | undefined>(
    query.created ? `Role ${name} created.` : undefined,
  );
  const data = role.data;
  return (
    <Page title={`Role ${name}`}>
      <p>
        <a href="/console/roles">All roles</a>
      </p>
      {saved && <StatusNotice>{saved}</StatusNotice>}
      <ErrorNotice error={role.error} />
      {!data && role.loading && <Loading what="the role" />}
      {data && (
        <>
          <dl class="facts">
            <dt>Created</dt>
            <dd>
              <When iso={data.created_at} />
            </dd>
            <dt>Changed</dt>
            <dd>
              <When iso={data.updated_at} />
            </dd>
          </dl>
          {Object.keys(data.conditions).length > 0 && (
            <section aria-labelledby="role-conditions">
              <h2 id="role-conditions">Conditions</h2>
              <p class="hint">
                The role grants these permissions only when their condition is true (set through the
                admin API).
              </p>
              <dl class="facts">
                {Object.entries(data.conditions).map(([permission, condition]) => (
                  <Fragment key={permission}>
                    <dt class="mono">{permission}</dt>
                    <dd class="mono">{condition}</dd>
                  </Fragment>
                ))}
              </dl>
            </section>
          )}
          <section aria-labelledby="edit-role">
            <h2 id="edit-role">Edit</h2>
            <RoleForm
              key={data.updated_at}
              initial={{
                name: data.name,
                description: data.description ?? '',
                permissions: data.permissions.join('\n'),
              }}
              withName={false}
              submitLabel="Save role"
              onSubmit={async (body) => {
                setSaved(undefined);
                await api.patch<Role>(`/admin/roles/${segment(name)}`, body);
                setSaved(`Role ${name} saved.`);
                role.reload();
              }}
            />
          </section>
          <section aria-labelledby="delete-role">
            <h2 id="delete-role">Delete</h2>
            <ConfirmButton
              label="Delete role"
              question={`Delete the role ${name}?`}
              confirmLabel="Delete"
              danger
              onConfirm={async () => {
                await api.delete(`/admin/roles/${segment(name)}`);
                route('/console/roles');
              }}
            >
              <p>Every user and client holding it loses its permissions at once.</p>
            </ConfirmButton>
          </section>
        </>
      )}
    </Page>
  );
}
