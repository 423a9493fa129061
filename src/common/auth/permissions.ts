/** CONTRACT §4: a permission is `resource:action`. */
export const PERMISSION_SYNTAX = /^[A-Za-z0-9_.-]{1,100}:[A-Za-z0-9_.-]{1,100}$/;

/**
 * Gatehouse's own API scopes (`iam:admin`, `iam:check`) look like permissions but are governed by
 * client registration, not roles.
 */
const RESERVED = /^iam:/;

/** Whether a scope is a permission that the subject must hold to be granted it. */
export function isPermissionScope(scope: string): boolean {
  return PERMISSION_SYNTAX.test(scope) && !RESERVED.test(scope);
}
