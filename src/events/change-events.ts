/** Changes other modules react to (cache invalidation, token revocation). */
export type ChangeEvent =
  | { type: 'client.changed'; clientId: string }
  | { type: 'client.deleted'; clientId: string }
  | { type: 'user.changed'; userId: string }
  | { type: 'user.deleted'; userId: string }
  | { type: 'tokens.revoked'; tokens: Array<{ jti: string; exp: number }> }
  | { type: 'keys.rotated' }
  | { type: 'roles.changed' }
  /** A role and, with it, every assignment of it are gone. */
  | { type: 'role.deleted'; name: string }
  | { type: 'subject_roles.changed'; subjectType: 'user' | 'client'; subjectId: string }
  | { type: 'rules.changed' }
  /** The cross-process notifications stopped: state may be stale until a `resync`. */
  | { type: 'transport.lost' }
  /** Notifications may have been missed (the listener reconnected): drop every cache. */
  | { type: 'resync' };
