/** A permission is `resource:action` (docs/security/privilege.md). */
export const PERMISSION_SYNTAX = /^[A-Za-z0-9_.-]{1,100}:[A-Za-z0-9_.-]{1,100}$/;

/**
 * Gatehouse's own API scopes (`iam:admin`, `iam:check`). They look like permissions, and a role
 * may hold them: that is how an administrator makes a person an administrator. Only an
 * administrator registers a client with them (dynamic registration refuses them).
 */
const GATEHOUSE_SCOPE = /^iam:/;

/** The scope of the admin API (docs/endpoints.md, Admin API). */
export const ADMIN_SCOPE = 'iam:admin';

/** The scope of the decision surfaces and of introspection of any token (docs/access.md). */
export const CHECK_SCOPE = 'iam:check';

/** Whether a scope is one of Gatehouse's own (`iam:*`). */
export function isGatehouseScope(scope: string): boolean {
  return GATEHOUSE_SCOPE.test(scope);
}

/** Whether a scope is a permission of the protected APIs (`resource:action`, not `iam:*`). */
export function isPermissionScope(scope: string): boolean {
  return PERMISSION_SYNTAX.test(scope) && !isGatehouseScope(scope);
}
