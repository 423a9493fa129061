import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, segment } from '../api';
import { ConfirmButton } from '../components/confirm';
import { problemOf, TextField, useFieldId } from '../components/field';
import { DeleteSection, FormActions, FormErrors, StatusToggle } from '../components/form-parts';
import { ErrorNotice, Loading, StatusNotice } from '../components/notices';
import { Page } from '../components/page';
import { useAsync } from '../components/use-async';
import { RolesEditor } from './clients/roles-editor';
import { StatusBadge, When } from '../components/format';
import { ProfileFields } from './users/profile-fields';
import { Passkeys, SecondFactors, Sessions } from './users/user-sections';
import { profileBody, PROFILE_FIELDS, ProfileForm, UserView } from './users/user-model';

/**
 * One person: profile (edit), disable or enable, a new password, roles, browser sessions (sign
 * out everywhere), second factors and passkeys, and delete. Every change goes through the
 * admin API with the administrator's own token, so the audit log names them.
 */
export function UserDetail(props: { id?: string; params?: { id?: string } }) {
  const id = props.params?.id ?? props.id ?? '';
  const path = `/admin/users/${segment(id)}`;
  const { route } = useLocation();
  const loaded = useAsync(() => api.get<UserView>(path), [path]);
  const [user, setUser] = useState<UserView>();
  const [editing, setEditing] = useState<ProfileForm>();
  const [editError, setEditError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string>();
  const [password, setPassword] = useState('');
  const [passwordError, setPasswordError] = useState<unknown>();
  const [round, setRound] = useState(0);
  const passwordId = useFieldId('new-password');

  const current = user ?? loaded.data;
  if (loaded.error) {
    return (
      <Page title="User">
        <ErrorNotice error={loaded.error} />
        <p>
          <a href="/console/users">Back to the users</a>
        </p>
      </Page>
    );
  }
  if (!current) return <Loading what="the user" />;
  const who = current.username;
  const announce = (message: string) => setDone(message);

  const save = async (event: Event) => {
    event.preventDefault();
    if (!editing) return;
    setEditError(undefined);
    setBusy(true);
    try {
      setUser(await api.patch<UserView>(path, profileBody(editing, true)));
      setEditing(undefined);
      announce('Profile saved.');
    } catch (caught) {
      setEditError(caught);
    } finally {
      setBusy(false);
    }
  };
  const setStatus = async (status: 'active' | 'disabled') => {
    setUser(await api.patch<UserView>(path, { status }));
    setRound((value) => value + 1);
    announce(
      status === 'disabled'
        ? `${who} is disabled: every session and token of theirs ended.`
        : `${who} is enabled.`,
    );
  };
  const setNewPassword = async () => {
    setPasswordError(undefined);
    try {
      await api.patch<UserView>(path, { password });
    } catch (caught) {
      setPasswordError(caught);
      throw caught;
    }
    setPassword('');
    setRound((value) => value + 1);
    announce(`The password of ${who} is set; their sessions and tokens ended.`);
  };

  return (
    <Page title={who}>
      <p>
        <a href="/console/users">Back to the users</a>
      </p>
      {done && <StatusNotice>{done}</StatusNotice>}

      <h2>Profile</h2>
      {editing ? (
        <form class="stacked" noValidate onSubmit={(event) => void save(event)}>
          <FormErrors error={editError} fields={PROFILE_FIELDS} />
          <ProfileFields form={editing} onForm={setEditing} error={editError} />
          <FormActions
            submit="Save profile"
            busy={busy}
            onCancel={() => {
              setEditing(undefined);
              setEditError(undefined);
            }}
          />
        </form>
      ) : (
        <>
          <dl class="facts">
            <dt>Username</dt>
            <dd>{current.username}</dd>
            <dt>id (sub)</dt>
            <dd>
              <code>{current.id}</code>
            </dd>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={current.status} />
            </dd>
            <dt>Email</dt>
            <dd>
              {current.email ?? <span class="muted">none</span>}
              {current.email && (current.email_verified ? ' (verified)' : ' (unverified)')}
            </dd>
            <dt>Name</dt>
            <dd>{current.name ?? <span class="muted">none</span>}</dd>
            <dt>Given name</dt>
            <dd>{current.given_name ?? <span class="muted">none</span>}</dd>
            <dt>Family name</dt>
            <dd>{current.family_name ?? <span class="muted">none</span>}</dd>
            <dt>Created</dt>
            <dd>
              <When iso={current.created_at} empty="never" />
            </dd>
            <dt>Updated</dt>
            <dd>
              <When iso={current.updated_at} empty="never" />
            </dd>
          </dl>
          <div class="actions">
            <button
              type="button"
              onClick={() => {
                setDone(undefined);
                setEditing({
                  email: current.email ?? '',
                  name: current.name ?? '',
                  given_name: current.given_name ?? '',
                  family_name: current.family_name ?? '',
                });
              }}
            >
              Edit profile
            </button>
            <StatusToggle
              status={current.status}
              what="user"
              subject={who}
              disabling={
                <p>
                  They cannot sign in, and every session and token of theirs ends now (also once
                  they are enabled again).
                </p>
              }
              enabling={<p>They can sign in again.</p>}
              onStatus={setStatus}
            />
          </div>
        </>
      )}

      <h2>Password</h2>
      <form class="stacked" onSubmit={(event) => event.preventDefault()}>
        <TextField
          id={passwordId}
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="Sets the password now and signs the person out everywhere. Tell them out of band. (Gatehouse has no admin-sent reset email: a person can ask for one at /password/forgot.)"
          value={password}
          onValue={setPassword}
          problem={problemOf(passwordError, 'password')}
        />
        <div class="actions">
          <ConfirmButton
            label="Set password"
            question={`Set a new password for ${who}?`}
            confirmLabel="Set password"
            danger
            onConfirm={setNewPassword}
          >
            <p>Their old password stops working, and every session and token of theirs ends.</p>
          </ConfirmButton>
        </div>
      </form>

      <h2>Roles</h2>
      <RolesEditor path={`${path}/roles`} subject={who} />

      <h2>Sessions</h2>
      <Sessions key={`sessions-${round}`} userId={current.id} who={who} onDone={announce} />

      <h2>Second factors</h2>
      <SecondFactors userId={current.id} who={who} onDone={announce} />

      <h2>Passkeys</h2>
      <Passkeys userId={current.id} who={who} onDone={announce} />

      <DeleteSection
        what="user"
        subject={who}
        effect="Deleting the person ends their sessions and tokens. It cannot be undone."
        onDelete={async () => {
          await api.delete(path);
          route('/console/users');
        }}
      >
        <p>The account, its roles, second factors and passkeys are deleted now.</p>
      </DeleteSection>
    </Page>
  );
}
