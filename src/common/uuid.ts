/**
 * Whether `id` has the shape of a UUID (the ids PostgreSQL generates for users and rules): any
 * other text is answered 404 before it reaches a `uuid` column, which would refuse it with an
 * error.
 */
export function isUuidShaped(id: string): boolean {
  return /^[0-9a-f-]{36}$/i.test(id);
}
