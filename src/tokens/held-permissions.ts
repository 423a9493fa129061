import { isPermissionScope } from '../common/auth/permissions';
import { Subject, SubjectPermissions } from '../common/auth/subject-permissions';

/**
 * CONTRACT §4: a scope shaped like a permission is granted only when the subject holds that
 * permission now; other scopes pass. The permission state is consulted only when needed.
 */
export function withHeldPermissions(
  scopes: string[],
  subject: Subject,
  permissions: SubjectPermissions,
): string[] {
  if (!scopes.some(isPermissionScope)) return scopes;
  const held = permissions.permissionsOf(subject);
  return scopes.filter((scope) => !isPermissionScope(scope) || held.has(scope));
}
