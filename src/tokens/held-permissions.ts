import { isGatehouseScope, isPermissionScope } from '../common/auth/permissions';
import { Subject, SubjectPermissions } from '../common/auth/subject-permissions';

/**
 * Whether the subject must hold `scope` now, through a role, to be granted it. A permission
 * always. Gatehouse's own scopes (`iam:*`) when the subject is a person: a client's registered
 * scope is a ceiling, never a grant, so only an administrator's role assignment puts them in a
 * person's token. A client acting for itself (client_credentials) was given them by the
 * administrator who registered it. See docs/security/privilege.md.
 */
export function mustHold(scope: string, subject: Subject): boolean {
  return isPermissionScope(scope) || (subject.type === 'user' && isGatehouseScope(scope));
}

/**
 * What may be granted of `scopes` to `subject` now: `scopes` cut to the client's registered
 * scope (the ceiling, as registered now), then every scope the subject must hold cut to what it
 * holds now. The permission state is consulted only when needed; it throws (503) while unknown.
 */
export function grantableScopes(
  scopes: readonly string[],
  ceiling: readonly string[],
  subject: Subject,
  permissions: SubjectPermissions,
): string[] {
  const within = scopes.filter((scope) => ceiling.includes(scope));
  if (!within.some((scope) => mustHold(scope, subject))) return within;
  const held = permissions.permissionsOf(subject);
  return within.filter((scope) => !mustHold(scope, subject) || held.has(scope));
}
