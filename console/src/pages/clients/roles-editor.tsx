import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import { ErrorNotice, Loading, StatusNotice } from '../../components/notices';
import { useAsync } from '../../components/use-async';

interface RoleSummary {
  name: string;
  description: string | null;
}

/**
 * The roles a user or client holds: read from `path` (GET, `{roles}`), replaced with a PUT of
 * the checked ones. The choices are the existing roles (GET /admin/roles, first 200).
 */
export function RolesEditor(props: { path: string; subject: string }) {
  const held = useAsync(() => api.get<{ roles: string[] }>(props.path), [props.path]);
  const all = useAsync(() => api.page<RoleSummary>('/admin/roles', { limit: 200 }), []);
  const [chosen, setChosen] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (held.data) setChosen(held.data.roles);
  }, [held.data]);

  if (held.error || all.error) return <ErrorNotice error={held.error ?? all.error} />;
  if (!held.data || !all.data) return <Loading what="roles" />;
  const names = [...new Set([...all.data.items.map((role) => role.name), ...held.data.roles])];
  const toggle = (name: string, on: boolean) => {
    setSaved(false);
    setChosen((current) => (on ? [...current, name] : current.filter((item) => item !== name)));
  };
  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const answer = await api.put<{ roles: string[] }>(props.path, { roles: chosen });
      setChosen(answer.roles);
      setSaved(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="stacked" onSubmit={(event) => void save(event)}>
      <fieldset>
        <legend>Roles of {props.subject}</legend>
        {names.length === 0 && <p class="muted">There are no roles yet.</p>}
        {names.map((name) => (
          <label class="choice" key={name}>
            <input
              type="checkbox"
              checked={chosen.includes(name)}
              onChange={(event) => toggle(name, event.currentTarget.checked)}
            />
            {name}
          </label>
        ))}
      </fieldset>
      <ErrorNotice error={error} />
      {saved && <StatusNotice>Roles saved.</StatusNotice>}
      <div class="actions">
        <button type="submit" disabled={busy}>
          Save roles
        </button>
      </div>
    </form>
  );
}
