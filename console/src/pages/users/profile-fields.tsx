import { TextField, useFieldId } from '../../components/field';
import { problemOf } from '../../components/field';
import { ProfileForm } from './user-model';

/** Email, name, given and family name, each with the API's problem beside it. */
export function ProfileFields(props: {
  form: ProfileForm;
  onForm: (form: ProfileForm) => void;
  error: unknown;
}) {
  const { form, error } = props;
  const set = (patch: Partial<ProfileForm>) => props.onForm({ ...form, ...patch });
  const ids = {
    email: useFieldId('email'),
    name: useFieldId('name'),
    given: useFieldId('given-name'),
    family: useFieldId('family-name'),
  };
  return (
    <>
      <TextField
        id={ids.email}
        label="Email"
        type="email"
        hint="A new address is unverified until the person opens the link mailed to it."
        value={form.email}
        onValue={(email) => set({ email })}
        problem={problemOf(error, 'email')}
      />
      <TextField
        id={ids.name}
        label="Name"
        value={form.name}
        onValue={(name) => set({ name })}
        problem={problemOf(error, 'name')}
      />
      <div class="two-up">
        <TextField
          id={ids.given}
          label="Given name"
          value={form.given_name}
          onValue={(given_name) => set({ given_name })}
          problem={problemOf(error, 'given_name')}
        />
        <TextField
          id={ids.family}
          label="Family name"
          value={form.family_name}
          onValue={(family_name) => set({ family_name })}
          problem={problemOf(error, 'family_name')}
        />
      </div>
    </>
  );
}
