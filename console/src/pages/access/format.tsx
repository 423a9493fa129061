/** A value that may be missing, shown as a dash (with its meaning for a screen reader). */
export function Maybe(props: { value: string | null | undefined }) {
  if (props.value === null || props.value === undefined || props.value === '')
    return <span class="muted">none</span>;
  return <span class="mono">{props.value}</span>;
}

/**
 * What each decision reason means (docs/reason-codes.md), in one line: shown beside the code on
 * the home page and in the "Why?" panel.
 */
export const REASONS: Record<string, string> = {
  allowed: 'allowed',
  anonymous: 'allowed by an anonymous rule, no token looked at',
  token_missing: 'no Bearer token',
  token_invalid: "not a valid Gatehouse access token, or not addressed to the rule's audience",
  token_expired: 'the token is past its exp',
  token_revoked: 'revoked, or issued before its client or user was disabled (the cut-off)',
  binding_mismatch: 'the proof of possession (DPoP or client certificate) is missing or wrong',
  client_inactive: 'its client is disabled or deleted',
  subject_inactive: 'its user is disabled or deleted (or unknown)',
  insufficient_scope: "the permission, or a scope the rule requires, is not in the token's scope",
  permission_denied: 'the subject does not hold the permission now (through its roles)',
  no_matching_rule: 'no access rule covers the method and path',
  condition_failed:
    "the rule's condition, or every condition of the roles granting the permission, is false or failed",
  path_rejected: 'the original request has no single meaning (an ambiguous path)',
};

export function meaningOf(reason: string): string | undefined {
  return REASONS[reason];
}
