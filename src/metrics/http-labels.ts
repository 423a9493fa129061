/** The methods recorded by name; any other (a client may send any token) is `other`. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The route label of a request no route matched: never its raw path (docs/metrics.md). */
export const UNMATCHED_ROUTE = 'unmatched';

/** The route label of a request the edge refused before routing (a malformed URL or header). */
export const REFUSED_AT_EDGE_ROUTE = 'refused_at_edge';

export function methodLabel(method: string | undefined): string {
  return method !== undefined && KNOWN_METHODS.has(method) ? method : 'other';
}

/** A status code as a label: a number outside 100-599 (none should reach here) is `other`. */
export function statusLabel(status: number): string {
  return (status >= 100 && status <= 599 && STATUS_TEXT[status - 100]) || 'other';
}

const STATUS_TEXT = Array.from({ length: 500 }, (_, index) => String(index + 100));
