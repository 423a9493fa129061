import { problemOf, SelectField, TextField, useFieldId } from '../../components/field';
import { AUTH_METHODS, ClientForm, ClientType, shape, TLS_NAMES } from './client-model';

const TYPES: { value: ClientType; label: string; hint: string }[] = [
  {
    value: 'public',
    label: 'Public',
    hint: 'A browser or mobile app that cannot keep a secret: code flow with PKCE, no secret.',
  },
  {
    value: 'confidential',
    label: 'Confidential',
    hint: 'A server-side web app that signs people in and keeps a secret or a key.',
  },
  {
    value: 'm2m',
    label: 'Machine to machine',
    hint: 'A service acting for itself: client_credentials only, no redirect URIs.',
  },
];

/**
 * The client form's fields, driven by the type (and for confidential and m2m clients, the
 * authentication method): only what applies is shown. Problems from the API appear beside the
 * field they name.
 */
export function ClientFields(props: {
  form: ClientForm;
  onForm: (form: ClientForm) => void;
  error: unknown;
}) {
  const { form, error } = props;
  const set = (patch: Partial<ClientForm>) => props.onForm({ ...form, ...patch });
  const parts = shape(form);
  const ids = {
    name: useFieldId('client-name'),
    type: useFieldId('client-type'),
    redirects: useFieldId('redirect-uris'),
    logout: useFieldId('post-logout-uris'),
    grants: useFieldId('grant-types'),
    method: useFieldId('auth-method'),
    alg: useFieldId('signing-alg'),
    jwksUri: useFieldId('jwks-uri'),
    jwks: useFieldId('jwks'),
    bound: useFieldId('cert-bound'),
    scope: useFieldId('scope'),
    audience: useFieldId('audience'),
    cors: useFieldId('cors'),
    access: useFieldId('access-lifetime'),
    refresh: useFieldId('refresh-lifetime'),
  };
  const tlsIds = {
    tls_client_auth_subject_dn: useFieldId('tls-subject'),
    tls_client_auth_san_dns: useFieldId('tls-dns'),
    tls_client_auth_san_uri: useFieldId('tls-uri'),
    tls_client_auth_san_ip: useFieldId('tls-ip'),
    tls_client_auth_san_email: useFieldId('tls-email'),
  };
  const typeProblem = problemOf(error, 'client_type');
  const grantProblem = problemOf(error, 'grant_types') ?? problemOf(error, 'response_types');
  return (
    <>
      <TextField
        id={ids.name}
        label="Client name"
        value={form.client_name}
        onValue={(client_name) => set({ client_name })}
        required
        problem={problemOf(error, 'client_name')}
      />
      <fieldset aria-describedby={typeProblem ? `${ids.type}-problem` : undefined}>
        <legend>Client type</legend>
        {TYPES.map((type) => (
          <div key={type.value}>
            <label class="choice">
              <input
                type="radio"
                name={ids.type}
                value={type.value}
                checked={form.client_type === type.value}
                aria-describedby={`${ids.type}-${type.value}-hint`}
                onChange={() => set({ client_type: type.value })}
              />
              {type.label}
            </label>
            <p class="hint choice-hint" id={`${ids.type}-${type.value}-hint`}>
              {type.hint}
            </p>
          </div>
        ))}
        {typeProblem && (
          <p class="problem" id={`${ids.type}-problem`}>
            {typeProblem}
          </p>
        )}
      </fieldset>
      {parts.redirects && (
        <>
          <TextField
            id={ids.redirects}
            label="Redirect URIs"
            hint="One per line: https (http only on a loopback IP literal, for development); no fragment."
            multiline
            rows={3}
            value={form.redirect_uris}
            onValue={(redirect_uris) => set({ redirect_uris })}
            problem={problemOf(error, 'redirect_uris')}
          />
          <TextField
            id={ids.logout}
            label="Post-logout redirect URIs"
            hint="One per line: where RP-initiated logout may send the browser."
            multiline
            rows={2}
            value={form.post_logout_redirect_uris}
            onValue={(post_logout_redirect_uris) => set({ post_logout_redirect_uris })}
            problem={problemOf(error, 'post_logout_redirect_uris')}
          />
          <fieldset aria-describedby={grantProblem ? `${ids.grants}-problem` : undefined}>
            <legend>Grant types</legend>
            {parts.grants.map((grant) => (
              <label class="choice" key={grant}>
                <input
                  type="checkbox"
                  checked={form.grant_types.includes(grant)}
                  onChange={(event) =>
                    set({
                      grant_types: event.currentTarget.checked
                        ? [...form.grant_types, grant]
                        : form.grant_types.filter((item) => item !== grant),
                    })
                  }
                />
                {grant}
              </label>
            ))}
            {grantProblem && (
              <p class="problem" id={`${ids.grants}-problem`}>
                {grantProblem}
              </p>
            )}
          </fieldset>
        </>
      )}
      {form.client_type === 'm2m' && (
        <p class="muted">Grant type: client_credentials. Machine clients have no redirect URIs.</p>
      )}
      {form.client_type === 'public' ? (
        <p class="muted">
          Authentication: none. A public client proves itself with PKCE (S256) on every sign-in.
        </p>
      ) : (
        <SelectField
          id={ids.method}
          label="Authentication method"
          hint="How the client proves itself at /token."
          value={form.token_endpoint_auth_method}
          onValue={(value) => set({ token_endpoint_auth_method: value })}
          options={AUTH_METHODS}
          problem={problemOf(error, 'token_endpoint_auth_method')}
        />
      )}
      {parts.algorithms.length > 0 && (
        <SelectField
          id={ids.alg}
          label="Assertion signing algorithm"
          value={form.token_endpoint_auth_signing_alg}
          onValue={(value) => set({ token_endpoint_auth_signing_alg: value })}
          options={[{ value: '', label: 'Any of them' }, ...parts.algorithms]}
          problem={problemOf(error, 'token_endpoint_auth_signing_alg')}
        />
      )}
      {parts.keys && (
        <>
          <TextField
            id={ids.jwksUri}
            label="JWKS URL (jwks_uri)"
            hint="Where Gatehouse fetches the client's public keys; or paste them below, not both."
            type="url"
            value={form.jwks_uri}
            onValue={(jwks_uri) => set({ jwks_uri })}
            problem={problemOf(error, 'jwks_uri')}
          />
          <TextField
            id={ids.jwks}
            label="JWK Set (jwks)"
            hint={
              form.token_endpoint_auth_method === 'self_signed_tls_client_auth'
                ? 'JSON {"keys": [...]}: the certificate in each key’s x5c (RFC 8705 §2.2).'
                : 'JSON {"keys": [...]}: public keys only.'
            }
            multiline
            rows={4}
            value={form.jwks}
            onValue={(jwks) => set({ jwks })}
            problem={problemOf(error, 'jwks')}
          />
        </>
      )}
      {parts.tlsNames && (
        <fieldset>
          <legend>Certificate name (exactly one)</legend>
          <div class="stacked">
            {TLS_NAMES.map((name) => (
              <TextField
                key={name.field}
                id={tlsIds[name.field]}
                label={name.label}
                hint={name.hint || undefined}
                value={form.tls[name.field]}
                onValue={(value) => set({ tls: { ...form.tls, [name.field]: value } })}
                problem={problemOf(error, name.field)}
              />
            ))}
          </div>
        </fieldset>
      )}
      {parts.mtls && (
        <label class="choice" for={ids.bound}>
          <input
            id={ids.bound}
            type="checkbox"
            checked={form.tls_client_certificate_bound_access_tokens}
            onChange={(event) =>
              set({ tls_client_certificate_bound_access_tokens: event.currentTarget.checked })
            }
          />
          Bind access tokens to the client certificate (RFC 8705 §3)
        </label>
      )}
      <TextField
        id={ids.scope}
        label="Scope"
        hint="Space-separated scopes the client may ask for, e.g. openid profile invoices:read"
        value={form.scope}
        onValue={(scope) => set({ scope })}
        problem={problemOf(error, 'scope')}
      />
      <TextField
        id={ids.audience}
        label="Audience"
        hint="One per line: the APIs (resource URIs) its tokens are for."
        multiline
        rows={2}
        value={form.audience}
        onValue={(audience) => set({ audience })}
        problem={problemOf(error, 'audience')}
      />
      {form.client_type !== 'm2m' && (
        <TextField
          id={ids.cors}
          label="Allowed CORS origins"
          hint="One per line, e.g. https://app.example.com"
          multiline
          rows={2}
          value={form.allowed_cors_origins}
          onValue={(allowed_cors_origins) => set({ allowed_cors_origins })}
          problem={problemOf(error, 'allowed_cors_origins')}
        />
      )}
      <div class="two-up">
        <TextField
          id={ids.access}
          label="Access token lifetime (seconds)"
          hint="60 to 86400; empty for the default."
          value={form.access_token_lifetime}
          onValue={(access_token_lifetime) => set({ access_token_lifetime })}
          problem={problemOf(error, 'access_token_lifetime')}
        />
        {form.grant_types.includes('refresh_token') && form.client_type !== 'm2m' && (
          <TextField
            id={ids.refresh}
            label="Refresh token lifetime (seconds)"
            hint="60 to 31536000; empty for the default."
            value={form.refresh_token_lifetime}
            onValue={(refresh_token_lifetime) => set({ refresh_token_lifetime })}
            problem={problemOf(error, 'refresh_token_lifetime')}
          />
        )}
      </div>
    </>
  );
}
