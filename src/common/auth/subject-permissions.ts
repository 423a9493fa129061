/** Whose permissions: a user (by id, the `sub`) or a client acting for itself (by client_id). */
export interface Subject {
  type: 'user' | 'client';
  id: string;
}

/**
 * The permissions a subject holds now, through its roles. Defined here so `tokens` can ask at
 * issuance without importing `access`, which provides the implementation from memory.
 * Throws (503) while the answer cannot be known.
 */
export abstract class SubjectPermissions {
  abstract permissionsOf(subject: Subject): ReadonlySet<string>;
}
