/** Changes other modules react to (cache invalidation, token revocation). */
export type ChangeEvent =
  | { type: 'client.changed'; clientId: string }
  | { type: 'client.deleted'; clientId: string }
  | { type: 'keys.rotated' }
  /** Notifications may have been missed (the listener reconnected): drop every cache. */
  | { type: 'resync' };
