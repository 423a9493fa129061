import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError, segment } from '../api';
import { FormErrors } from '../components/form-parts';
import { StatusNotice } from '../components/notices';
import { Page } from '../components/page';
import { SecretOnce } from '../components/secret-once';
import { ClientFields } from './clients/client-fields';
import { bodyOf, CLIENT_FIELDS, CreatedClient, emptyForm } from './clients/client-model';

/**
 * A new client, through a form driven by its type. A client with a secret shows it here, once,
 * on the page that created it: it lives only in this page's state, and leaving forgets it.
 * A client without one (public, key or certificate) opens its page at once.
 */
export function NewClient(_props: Record<string, unknown>) {
  const { route } = useLocation();
  const [form, setForm] = useState(emptyForm);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ client: CreatedClient; secret: string }>();

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const built = bodyOf(form, false);
    if ('problems' in built) {
      setError(new ApiError(400, 'invalid_request', 'Check the marked fields.', built.problems));
      return;
    }
    setBusy(true);
    try {
      const client = await api.post<CreatedClient>('/admin/clients', built.body);
      if (client.client_secret) {
        setCreated({
          client: { ...client, client_secret: undefined },
          secret: client.client_secret,
        });
      } else {
        route(`/console/clients/${segment(client.client_id)}`);
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    const href = `/console/clients/${segment(created.client.client_id)}`;
    return (
      <Page title="Client created">
        <StatusNotice>
          {created.client.client_name} is registered with client_id{' '}
          <code>{created.client.client_id}</code>.
        </StatusNotice>
        <SecretOnce label="Client secret" secret={created.secret} />
        <p>
          <a class="button" href={href}>
            Open the client
          </a>
        </p>
      </Page>
    );
  }

  return (
    <Page title="New client">
      <form class="stacked" noValidate onSubmit={(event) => void submit(event)}>
        <FormErrors
          error={error}
          fields={CLIENT_FIELDS}
          summary="The client was not created: see the problems beside the fields."
        />
        <ClientFields form={form} onForm={setForm} error={error} />
        <div class="actions">
          <button type="submit" disabled={busy}>
            Create client
          </button>
          <a class="button secondary" href="/console/clients">
            Cancel
          </a>
        </div>
      </form>
    </Page>
  );
}
