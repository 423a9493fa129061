import { useState } from 'preact/hooks';
import { api } from '../api';
import { problemOf, SelectField, TextField, useFieldId } from '../components/field';
import { FormErrors } from '../components/form-parts';
import { Page } from '../components/page';
import { Explanation, ExplanationView } from './access/explanation';
import { HTTP_METHODS } from './access/rule-form';

type Who = 'token' | 'subject';
type What = 'request' | 'permission';

/**
 * The "Why?" panel: the decision the engine makes for a token or a subject and a request or a
 * permission, with every rule, permission and condition it considered (POST
 * /admin/access/explain, docs/access.md "Explain a decision"). A pasted token lives only in this
 * component's state: never in the URL or in storage.
 */
export function Why(_props: Record<string, unknown>) {
  const [who, setWho] = useState<Who>('subject');
  const [what, setWhat] = useState<What>('request');
  const [token, setToken] = useState('');
  const [subjectType, setSubjectType] = useState<'user' | 'client'>('user');
  const [subjectId, setSubjectId] = useState('');
  const [method, setMethod] = useState('GET');
  const [path, setPath] = useState('');
  const [resource, setResource] = useState('');
  const [action, setAction] = useState('');
  const [scheme, setScheme] = useState<'Bearer' | 'DPoP'>('Bearer');
  const [dpop, setDpop] = useState('');
  const [url, setUrl] = useState('');
  const [certificate, setCertificate] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [explanation, setExplanation] = useState<Explanation | undefined>();
  const ids = {
    token: useFieldId('why-token'),
    subjectType: useFieldId('why-subject-type'),
    subjectId: useFieldId('why-subject-id'),
    method: useFieldId('why-method'),
    path: useFieldId('why-path'),
    resource: useFieldId('why-resource'),
    action: useFieldId('why-action'),
    scheme: useFieldId('why-scheme'),
    dpop: useFieldId('why-dpop'),
    url: useFieldId('why-url'),
    certificate: useFieldId('why-certificate'),
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setExplanation(undefined);
    const body: Record<string, unknown> =
      who === 'token'
        ? {
            token: token.trim(),
            ...(scheme === 'DPoP' ? { scheme } : {}),
            ...(dpop.trim() ? { dpop: dpop.trim() } : {}),
            ...(url.trim() ? { url: url.trim() } : {}),
            ...(certificate.trim() ? { client_certificate: certificate.trim() } : {}),
          }
        : { subject: { type: subjectType, id: subjectId.trim() } };
    if (what === 'request') Object.assign(body, { method, path: path.trim() });
    else Object.assign(body, { resource: resource.trim(), action: action.trim() });
    try {
      setExplanation(await api.post<Explanation>('/admin/access/explain', body));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="Why?">
      <p class="hint">
        See the decision Gatehouse makes, and everything it rests on, before a gateway ever asks.
        Nothing is changed and no proof is spent.
      </p>
      <form class="stacked" onSubmit={(event) => void submit(event)} noValidate>
        <FormErrors error={error} />
        <fieldset>
          <legend>Who asks</legend>
          <label class="choice">
            <input
              type="radio"
              name="why-who"
              checked={who === 'subject'}
              onChange={() => setWho('subject')}
            />
            A user or client, as it stands now
          </label>
          <label class="choice">
            <input
              type="radio"
              name="why-who"
              checked={who === 'token'}
              onChange={() => setWho('token')}
            />
            A pasted access token
          </label>
        </fieldset>
        {who === 'token' ? (
          <>
            <TextField
              id={ids.token}
              label="Access token"
              multiline
              rows={4}
              value={token}
              onValue={setToken}
              hint="Kept only on this page while it is open; never stored or put in the address."
              problem={problemOf(error, 'token')}
            />
            <details class="why-more">
              <summary>Proof of possession (optional)</summary>
              <div class="stacked">
                <SelectField
                  id={ids.scheme}
                  label="Scheme"
                  value={scheme}
                  onValue={(value) => setScheme(value as 'Bearer' | 'DPoP')}
                  options={['Bearer', 'DPoP']}
                  problem={problemOf(error, 'scheme')}
                />
                <TextField
                  id={ids.dpop}
                  label="DPoP proof"
                  multiline
                  rows={3}
                  value={dpop}
                  onValue={setDpop}
                  problem={problemOf(error, 'dpop')}
                />
                <TextField
                  id={ids.url}
                  label="URL the proof names"
                  type="url"
                  value={url}
                  onValue={setUrl}
                  hint="Default: the issuer with the path."
                  problem={problemOf(error, 'url')}
                />
                <TextField
                  id={ids.certificate}
                  label="Client certificate"
                  multiline
                  rows={3}
                  value={certificate}
                  onValue={setCertificate}
                  hint="URL-encoded PEM, as a proxy sends it in X-SSL-Client-Cert (RFC 8705)."
                  problem={problemOf(error, 'client_certificate')}
                />
              </div>
            </details>
          </>
        ) : (
          <div class="why-row">
            <SelectField
              id={ids.subjectType}
              label="Subject type"
              value={subjectType}
              onValue={(value) => setSubjectType(value as 'user' | 'client')}
              options={[
                { value: 'user', label: 'User' },
                { value: 'client', label: 'Client' },
              ]}
            />
            <TextField
              id={ids.subjectId}
              label={subjectType === 'user' ? 'User id, username or email' : 'Client id'}
              value={subjectId}
              onValue={setSubjectId}
              problem={
                problemOf(error, 'subject.id') ??
                problemOf(error, 'subject.type') ??
                problemOf(error, 'subject')
              }
            />
          </div>
        )}
        <fieldset>
          <legend>What it asks for</legend>
          <label class="choice">
            <input
              type="radio"
              name="why-what"
              checked={what === 'request'}
              onChange={() => setWhat('request')}
            />
            A request through the gateway (method and path)
          </label>
          <label class="choice">
            <input
              type="radio"
              name="why-what"
              checked={what === 'permission'}
              onChange={() => setWhat('permission')}
            />
            A permission (resource and action)
          </label>
        </fieldset>
        {what === 'request' ? (
          <div class="why-row">
            <SelectField
              id={ids.method}
              label="Method"
              value={method}
              onValue={setMethod}
              options={HTTP_METHODS}
              problem={problemOf(error, 'method')}
            />
            <TextField
              id={ids.path}
              label="Path"
              value={path}
              onValue={setPath}
              placeholder="/invoices/42"
              problem={problemOf(error, 'path')}
            />
          </div>
        ) : (
          <div class="why-row">
            <TextField
              id={ids.resource}
              label="Resource"
              value={resource}
              onValue={setResource}
              placeholder="invoices"
              problem={problemOf(error, 'resource')}
            />
            <TextField
              id={ids.action}
              label="Action"
              value={action}
              onValue={setAction}
              placeholder="read"
              problem={problemOf(error, 'action')}
            />
          </div>
        )}
        {who === 'subject' && what === 'request' && (
          <p class="hint">
            With a subject and no token, the decision is what the gateway answers without a token
            (token_missing for a rule that needs one); below it, the permission and conditions are
            judged for the subject.
          </p>
        )}
        <div class="actions">
          <button type="submit" disabled={busy}>
            Explain
          </button>
        </div>
      </form>
      {explanation && <ExplanationView explanation={explanation} />}
    </Page>
  );
}
