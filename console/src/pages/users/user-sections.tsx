import { api, segment } from '../../api';
import { ConfirmButton } from '../../components/confirm';
import { ErrorNotice, Loading } from '../../components/notices';
import { Table } from '../../components/table';
import { useAsync } from '../../components/use-async';
import { When } from '../../components/format';
import { PasskeyView, SecondFactorView, SessionView } from './user-model';

/**
 * The person's live browser sessions, and "Sign out everywhere": every session and refresh
 * token family ends (DELETE /admin/users/{id}/sessions).
 */
export function Sessions(props: {
  userId: string;
  who: string;
  onDone: (message: string) => void;
}) {
  const path = `/admin/users/${segment(props.userId)}/sessions`;
  const sessions = useAsync(() => api.get<SessionView[]>(path), [path]);
  if (sessions.error) return <ErrorNotice error={sessions.error} />;
  if (!sessions.data) return <Loading what="sessions" />;
  return (
    <>
      {sessions.data.length === 0 ? (
        <p>No live browser session.</p>
      ) : (
        <Table
          caption={`Browser sessions of ${props.who}`}
          columns={['Signed in', 'Methods', 'Address', 'Browser', 'Ends']}
        >
          <tbody>
            {sessions.data.map((session) => (
              <tr key={session.id}>
                <td>
                  <When iso={session.auth_time} empty="never" />
                </td>
                <td>{session.amr.join(', ')}</td>
                <td>{session.ip ?? <span class="muted">unknown</span>}</td>
                <td class="wrap">{session.user_agent ?? <span class="muted">unknown</span>}</td>
                <td>
                  <When iso={session.expires_at} empty="never" />
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      <ConfirmButton
        label="Sign out everywhere"
        question={`Sign ${props.who} out everywhere?`}
        confirmLabel="Sign out everywhere"
        danger
        onConfirm={async () => {
          await api.delete(path);
          sessions.reload();
          props.onDone(`${props.who} is signed out everywhere.`);
        }}
      >
        <p>
          Every browser session and every app’s refresh token of this person end now, and their
          access tokens stop working. They can sign in again.
        </p>
      </ConfirmButton>
    </>
  );
}

/** The person's second factors (authenticator app, recovery codes), removable all at once. */
export function SecondFactors(props: {
  userId: string;
  who: string;
  onDone: (message: string) => void;
}) {
  const path = `/admin/users/${segment(props.userId)}/second-factors`;
  const factors = useAsync(() => api.get<SecondFactorView[]>(path), [path]);
  if (factors.error) return <ErrorNotice error={factors.error} />;
  if (!factors.data) return <Loading what="second factors" />;
  if (factors.data.length === 0) return <p>No second factor.</p>;
  return (
    <>
      <Table caption={`Second factors of ${props.who}`} columns={['Kind', 'Label', 'Added']}>
        <tbody>
          {factors.data.map((factor) => (
            <tr key={`${factor.kind}-${factor.id}`}>
              <td>{factor.kind}</td>
              <td>{factor.label}</td>
              <td>
                <When iso={factor.created_at} empty="never" />
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      <ConfirmButton
        label="Remove all second factors"
        question={`Remove every second factor of ${props.who}?`}
        confirmLabel="Remove them"
        danger
        onConfirm={async () => {
          await api.delete(path);
          factors.reload();
          props.onDone('Every second factor is removed.');
        }}
      >
        <p>
          For a person who lost their authenticator: their next sign-in asks for the password only
          (or to enrol again, if policy requires a second factor).
        </p>
      </ConfirmButton>
    </>
  );
}

/** The person's passkeys, each removable (a lost or stolen device). */
export function Passkeys(props: {
  userId: string;
  who: string;
  onDone: (message: string) => void;
}) {
  const path = `/admin/users/${segment(props.userId)}/passkeys`;
  const passkeys = useAsync(() => api.get<PasskeyView[]>(path), [path]);
  if (passkeys.error) return <ErrorNotice error={passkeys.error} />;
  if (!passkeys.data) return <Loading what="passkeys" />;
  if (passkeys.data.length === 0) return <p>No passkey.</p>;
  return (
    <Table
      caption={`Passkeys of ${props.who}`}
      columns={[
        'Name',
        'Kind',
        'Added',
        'Last used',
        <span key="actions" class="visually-hidden">
          Actions
        </span>,
      ]}
    >
      <tbody>
        {passkeys.data.map((passkey) => (
          <tr key={passkey.id}>
            <td>{passkey.name}</td>
            <td>{passkey.device_type === 'multiDevice' ? 'synced' : 'one device'}</td>
            <td>
              <When iso={passkey.created_at} empty="never" />
            </td>
            <td>
              <When iso={passkey.last_used_at} empty="never" />
            </td>
            <td>
              <ConfirmButton
                label={`Remove passkey ${passkey.name}`}
                question={`Remove the passkey ${passkey.name}?`}
                confirmLabel="Remove"
                danger
                onConfirm={async () => {
                  await api.delete(`${path}/${segment(passkey.id)}`);
                  passkeys.reload();
                  props.onDone(`The passkey ${passkey.name} is removed.`);
                }}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
