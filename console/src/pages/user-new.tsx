import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, segment } from '../api';
import { problemOf, TextField, useFieldId } from '../components/field';
import { FormErrors } from '../components/form-parts';
import { Page } from '../components/page';
import { ProfileFields } from './users/profile-fields';
import { profileBody, ProfileForm, UserView } from './users/user-model';

const FIELDS = ['username', 'password', 'email', 'name', 'given_name', 'family_name'];

/** A new person: username and password, and optionally a profile. Opens their page. */
export function NewUser(_props: Record<string, unknown>) {
  const { route } = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [profile, setProfile] = useState<ProfileForm>({
    email: '',
    name: '',
    given_name: '',
    family_name: '',
  });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const usernameId = useFieldId('username');
  const passwordId = useFieldId('password');

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const user = await api.post<UserView>('/admin/users', {
        username: username.trim(),
        password,
        ...profileBody(profile, false),
      });
      route(`/console/users/${segment(user.id)}`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="New user">
      <form class="stacked" noValidate onSubmit={(event) => void submit(event)}>
        <FormErrors
          error={error}
          fields={FIELDS}
          summary="The user was not created: see the problems beside the fields."
        />
        <TextField
          id={usernameId}
          label="Username"
          hint="3 to 64 letters, digits or . _ @ + -; unique without regard to case."
          value={username}
          onValue={setUsername}
          required
          problem={problemOf(error, 'username')}
        />
        <TextField
          id={passwordId}
          label="Password"
          type="password"
          autoComplete="new-password"
          hint="Tell the person out of band; they can change it on their account page."
          value={password}
          onValue={setPassword}
          required
          problem={problemOf(error, 'password')}
        />
        <ProfileFields form={profile} onForm={setProfile} error={error} />
        <div class="actions">
          <button type="submit" disabled={busy}>
            Create user
          </button>
          <a class="button secondary" href="/console/users">
            Cancel
          </a>
        </div>
      </form>
    </Page>
  );
}
