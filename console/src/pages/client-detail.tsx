import { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError, segment } from '../api';
import { ConfirmButton } from '../components/confirm';
import { problemOf, TextField, useFieldId } from '../components/field';
import { DeleteSection, FormActions, FormErrors, StatusToggle } from '../components/form-parts';
import { ErrorNotice, Loading, StatusNotice } from '../components/notices';
import { Page } from '../components/page';
import { SecretOnce } from '../components/secret-once';
import { useAsync } from '../components/use-async';
import { ClientFields } from './clients/client-fields';
import {
  bodyOf,
  CLIENT_FIELDS,
  ClientForm,
  ClientView,
  CreatedClient,
  formOf,
  SECRET_METHODS,
  TLS_NAMES,
} from './clients/client-model';
import { RolesEditor } from './clients/roles-editor';
import { StatusBadge, When } from '../components/format';

function List(props: { items: string[] }) {
  if (props.items.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="plain">
      {props.items.map((item) => (
        <li key={item}>
          <code>{item}</code>
        </li>
      ))}
    </ul>
  );
}

function Fact(props: { term: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{props.term}</dt>
      <dd>{props.children}</dd>
    </>
  );
}

/** Everything the API says about a client (never a secret: it keeps only a hash). */
function ClientFacts(props: { client: ClientView }) {
  const c = props.client;
  const tls = TLS_NAMES.filter((name) => c[name.field]);
  return (
    <dl class="facts">
      <Fact term="client_id">
        <code>{c.client_id}</code>
      </Fact>
      <Fact term="Type">{c.client_type}</Fact>
      <Fact term="Status">
        <StatusBadge status={c.status} />
      </Fact>
      <Fact term="Authentication">
        <code>{c.token_endpoint_auth_method}</code>
        {c.token_endpoint_auth_signing_alg && <> ({c.token_endpoint_auth_signing_alg})</>}
      </Fact>
      <Fact term="Redirect URIs">
        <List items={c.redirect_uris} />
      </Fact>
      <Fact term="Post-logout redirect URIs">
        <List items={c.post_logout_redirect_uris} />
      </Fact>
      <Fact term="Grant types">
        <List items={c.grant_types} />
      </Fact>
      <Fact term="Scope">{c.scope ? <code>{c.scope}</code> : <span class="muted">none</span>}</Fact>
      <Fact term="Audience">
        <List items={c.audience} />
      </Fact>
      <Fact term="Allowed CORS origins">
        <List items={c.allowed_cors_origins} />
      </Fact>
      {c.jwks_uri && (
        <Fact term="JWKS URL">
          <code>{c.jwks_uri}</code>
        </Fact>
      )}
      {c.jwks && (
        <Fact term="JWK Set">
          <pre class="jwks">{JSON.stringify(c.jwks, null, 2)}</pre>
        </Fact>
      )}
      {tls.map((name) => (
        <Fact key={name.field} term={name.label}>
          <code>{c[name.field]}</code>
        </Fact>
      ))}
      <Fact term="Certificate-bound tokens">
        {c.tls_client_certificate_bound_access_tokens ? 'yes' : 'no'}
      </Fact>
      <Fact term="DPoP-bound tokens">{c.dpop_bound_access_tokens ? 'yes' : 'no'}</Fact>
      <Fact term="Requires PAR">{c.require_pushed_authorization_requests ? 'yes' : 'no'}</Fact>
      <Fact term="ID token algorithm">{c.id_token_signed_response_alg}</Fact>
      <Fact term="Access token lifetime">{c.access_token_lifetime} seconds</Fact>
      <Fact term="Refresh token lifetime">
        {c.refresh_token_lifetime === null ? 'default' : `${c.refresh_token_lifetime} seconds`}
      </Fact>
      <Fact term="Created">
        <When iso={c.created_at} empty="never" />
      </Fact>
      <Fact term="Updated">
        <When iso={c.updated_at} empty="never" />
      </Fact>
    </dl>
  );
}

/**
 * One client: its metadata, edit, disable or enable, rotate the secret (the new one shown
 * once), its roles, and delete. The built-in console client may be refused changes (409): the
 * server's message is shown.
 */
export function ClientDetail(props: { id?: string; params?: { id?: string } }) {
  const id = props.params?.id ?? props.id ?? '';
  const path = `/admin/clients/${segment(id)}`;
  const { route } = useLocation();
  const loaded = useAsync(() => api.get<ClientView>(path), [path]);
  const [client, setClient] = useState<ClientView>();
  const [editing, setEditing] = useState<ClientForm>();
  const [editError, setEditError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string>();
  const [secret, setSecret] = useState<{ label: string; value: string }>();
  const [grace, setGrace] = useState('0');
  const [graceError, setGraceError] = useState<unknown>();
  const graceId = useFieldId('grace-period');

  const current = client ?? loaded.data;
  if (loaded.error) {
    return (
      <Page title="Client">
        <ErrorNotice error={loaded.error} />
        <p>
          <a href="/console/clients">Back to the clients</a>
        </p>
      </Page>
    );
  }
  if (!current) return <Loading what="the client" />;

  const announce = (message: string) => {
    setDone(message);
    setSecret(undefined);
  };
  const save = async (event: Event) => {
    event.preventDefault();
    if (!editing) return;
    setEditError(undefined);
    const built = bodyOf(editing, true);
    if ('problems' in built) {
      setEditError(
        new ApiError(400, 'invalid_request', 'Check the marked fields.', built.problems),
      );
      return;
    }
    setBusy(true);
    try {
      const answer = await api.patch<CreatedClient>(path, built.body);
      const { client_secret, ...view } = answer;
      setClient(view);
      setEditing(undefined);
      announce('Changes saved.');
      if (client_secret) setSecret({ label: 'New client secret', value: client_secret });
    } catch (caught) {
      setEditError(caught);
    } finally {
      setBusy(false);
    }
  };
  const setStatus = async (status: 'active' | 'disabled') => {
    setClient(await api.patch<ClientView>(path, { status }));
    announce(status === 'disabled' ? 'The client is disabled.' : 'The client is enabled.');
  };
  const rotate = async () => {
    setGraceError(undefined);
    const seconds = grace.trim() === '' ? 0 : Number(grace.trim());
    if (!Number.isInteger(seconds) || seconds < 0) {
      const problem = new ApiError(400, 'invalid_request', 'grace_period: must be a whole number', [
        { field: 'grace_period', problem: 'must be a whole number of seconds, 0 or more' },
      ]);
      setGraceError(problem);
      throw problem;
    }
    try {
      const answer = await api.post<{ client_secret: string }>(`${path}/secret`, {
        grace_period: seconds,
      });
      setDone(
        seconds === 0
          ? 'The secret is rotated: the old one stopped working.'
          : `The secret is rotated: the old one keeps working for ${seconds} seconds.`,
      );
      setSecret({ label: 'New client secret', value: answer.client_secret });
    } catch (caught) {
      setGraceError(caught);
      throw caught;
    }
  };
  const remove = async () => {
    await api.delete(path);
    route('/console/clients');
  };

  const usesSecret = SECRET_METHODS.includes(current.token_endpoint_auth_method);
  return (
    <Page title={current.client_name}>
      <p>
        <a href="/console/clients">Back to the clients</a>
      </p>
      {done && <StatusNotice>{done}</StatusNotice>}
      {secret && <SecretOnce label={secret.label} secret={secret.value} />}

      {editing ? (
        <section aria-labelledby="edit-client-heading">
          <h2 id="edit-client-heading">Edit client</h2>
          <form class="stacked" noValidate onSubmit={(event) => void save(event)}>
            <FormErrors
              error={editError}
              fields={CLIENT_FIELDS}
              summary="Nothing was saved: see the problems beside the fields."
            />
            <ClientFields form={editing} onForm={setEditing} error={editError} />
            <FormActions
              submit="Save changes"
              busy={busy}
              onCancel={() => {
                setEditing(undefined);
                setEditError(undefined);
              }}
            />
          </form>
        </section>
      ) : (
        <>
          <div class="actions">
            <button
              type="button"
              onClick={() => {
                setDone(undefined);
                setEditing(formOf(current));
              }}
            >
              Edit client
            </button>
            <StatusToggle
              status={current.status}
              what="client"
              subject={`the client ${current.client_name}`}
              disabling={
                <p>
                  Its tokens stop working now, and it cannot get new ones until it is enabled again.
                </p>
              }
              enabling={
                <p>It can get tokens again. Tokens issued before it was disabled stay dead.</p>
              }
              onStatus={setStatus}
            />
            {usesSecret && (
              <ConfirmButton
                label="Rotate secret"
                question={`Rotate the secret of ${current.client_name}?`}
                confirmLabel="Rotate"
                onConfirm={rotate}
              >
                <p>A new secret is made and shown once.</p>
                <TextField
                  id={graceId}
                  label="Grace period (seconds)"
                  hint="How long the old secret keeps working beside the new one; 0 ends it now."
                  type="number"
                  value={grace}
                  onValue={setGrace}
                  problem={problemOf(graceError, 'grace_period')}
                />
              </ConfirmButton>
            )}
          </div>
          <h2>Metadata</h2>
          <ClientFacts client={current} />
        </>
      )}

      <h2>Roles</h2>
      <RolesEditor
        path={`/admin/clients/${segment(current.client_id)}/roles`}
        subject={current.client_name}
      />

      <DeleteSection
        what="client"
        subject={`the client ${current.client_name}`}
        effect="Deleting the client ends its tokens at once. It cannot be undone."
        onDelete={remove}
      >
        <p>
          <code>{current.client_id}</code> and every token it holds stop working now.
        </p>
      </DeleteSection>
    </Page>
  );
}
