import { api } from '../api';
import { SECTIONS } from '../components/layout';
import { ErrorNotice, Loading } from '../components/notices';
import { Page } from '../components/page';
import { Table } from '../components/table';
import { useAsync } from '../components/use-async';
import { When } from '../components/format';
import { Maybe, meaningOf } from './access/format';

/** GET /admin/overview (docs/endpoints.md). */
export interface Overview {
  counts: { clients: number; users: number; roles: number; access_rules: number };
  denials: {
    since: string;
    by_reason: { reason: string; count: number }[];
    latest: {
      at: string;
      reason: string;
      surface: string;
      method: string | null;
      path: string | null;
      sub: string | null;
      client_id: string | null;
    }[];
  };
}

const COUNTS: { key: keyof Overview['counts']; label: string; href: string }[] = [
  { key: 'clients', label: 'Clients', href: '/console/clients' },
  { key: 'users', label: 'Users', href: '/console/users' },
  { key: 'roles', label: 'Roles', href: '/console/roles' },
  { key: 'access_rules', label: 'Access rules', href: '/console/rules' },
];

const WHAT: Record<string, string> = {
  '/console/clients': 'Register applications and services; rotate their secrets.',
  '/console/users': 'People: create, disable, reset passwords, roles and sessions.',
  '/console/roles': 'Named sets of permissions, held by users and clients.',
  '/console/rules': 'Which method and path needs which permission at the gateway.',
  '/console/why': 'Explain a decision before a gateway ever asks.',
  '/console/keys': 'The signing keys: next, current, retired; rotate them.',
  '/console/audit': 'Every security event, filtered by who, what and when.',
};

/** Counts, the latest denials by reason, and the way to every section. */
export function Home(_props: Record<string, unknown>) {
  const overview = useAsync(() => api.get<Overview>('/admin/overview'), []);
  const data = overview.data;
  return (
    <Page title="Home">
      <ErrorNotice error={overview.error} />
      {!data && overview.loading && <Loading what="the overview" />}
      {data && (
        <>
          <section aria-labelledby="home-counts">
            <h2 id="home-counts">At a glance</h2>
            <ul class="cards home-cards">
              {COUNTS.map((count) => (
                <li class="card" key={count.key}>
                  <a href={count.href}>
                    <span class="home-count">{data.counts[count.key]}</span> {count.label}
                  </a>
                </li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="home-denials">
            <h2 id="home-denials">Denials by reason</h2>
            <p class="hint">
              Since <When iso={data.denials.since} />, counted by the Gatehouse process that
              answered this page (with several workers, each keeps its own).
            </p>
            {data.denials.by_reason.length === 0 ? (
              <p>No request has been denied since then.</p>
            ) : (
              <Table caption="Denials by reason" columns={['Reason', 'Count', 'Means']}>
                <tbody>
                  {data.denials.by_reason.map((item) => (
                    <tr key={item.reason}>
                      <td class="mono">{item.reason}</td>
                      <td>{item.count}</td>
                      <td>{meaningOf(item.reason) ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}
          </section>
          {data.denials.latest.length > 0 && (
            <section aria-labelledby="home-latest">
              <h2 id="home-latest">Latest denials</h2>
              <Table
                caption="Latest denials, newest first"
                columns={['Time', 'Reason', 'Surface', 'Method', 'Path', 'Subject', 'Client']}
              >
                <tbody>
                  {data.denials.latest.map((item, index) => (
                    <tr key={`${item.at}-${index}`}>
                      <td>
                        <When iso={item.at} />
                      </td>
                      <td class="mono">{item.reason}</td>
                      <td>{item.surface}</td>
                      <td>
                        <Maybe value={item.method} />
                      </td>
                      <td>
                        <Maybe value={item.path} />
                      </td>
                      <td>
                        <Maybe value={item.sub} />
                      </td>
                      <td>
                        <Maybe value={item.client_id} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            </section>
          )}
        </>
      )}
      <section aria-labelledby="home-sections">
        <h2 id="home-sections">Sections</h2>
        <ul class="home-sections">
          {SECTIONS.filter((section) => section.href !== '/console/').map((section) => (
            <li key={section.href}>
              <a href={section.href}>{section.label}</a>
              {WHAT[section.href] && <span class="muted"> {WHAT[section.href]}</span>}
            </li>
          ))}
        </ul>
      </section>
    </Page>
  );
}
