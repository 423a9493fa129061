/** A user as GET /admin/users/{id} answers (docs/endpoints.md, Admin API). */
export interface UserView {
  id: string;
  username: string;
  email: string | null;
  email_verified: boolean;
  name: string | null;
  given_name: string | null;
  family_name: string | null;
  attributes: Record<string, unknown>;
  status: 'active' | 'disabled';
  created_at: string;
  updated_at: string;
}

/** A live browser session (GET /admin/users/{id}/sessions). */
export interface SessionView {
  id: string;
  created_at: string;
  auth_time: string;
  expires_at: string;
  amr: string[];
  ip: string | null;
  user_agent: string | null;
}

/** A second factor (GET /admin/users/{id}/second-factors): never a secret. */
export interface SecondFactorView {
  kind: string;
  id: string;
  label: string;
  created_at: string;
  details?: Record<string, unknown>;
}

/** A passkey (GET /admin/users/{id}/passkeys): never its public key. */
export interface PasskeyView {
  id: string;
  name: string;
  credential_id: string;
  device_type: string;
  backed_up: boolean;
  transports: string[];
  sign_count: number;
  created_at: string;
  last_used_at: string | null;
}

/** The fields of the profile form, as typed. */
export interface ProfileForm {
  email: string;
  name: string;
  given_name: string;
  family_name: string;
}

export const PROFILE_FIELDS = ['email', 'name', 'given_name', 'family_name'] as const;

/** A profile field left empty is not sent on create; on edit it is cleared (null). */
export function profileBody(form: ProfileForm, editing: boolean): Record<string, string | null> {
  const body: Record<string, string | null> = {};
  for (const field of PROFILE_FIELDS) {
    const value = form[field].trim();
    if (value !== '') body[field] = value;
    else if (editing) body[field] = null;
  }
  return body;
}
