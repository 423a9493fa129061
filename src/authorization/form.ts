/** One string value of a form or query field; repeated or missing fields give undefined. */
export function formField(form: Record<string, unknown>, name: string): string | undefined {
  const value = form[name];
  return typeof value === 'string' && value.length <= 4096 ? value : undefined;
}

/**
 * An internal path with a query: the only kind of place our pages send a browser back to, so
 * there is never an open redirect.
 */
export function internalPath(
  path: '/login' | '/signup' | '/consent' | '/authorize/continue' | '/logout',
  query: Record<string, string | undefined>,
): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined) params.set(name, value);
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}
