import { ApiError } from '../../api';

/**
 * Helpers shared by the clients and users pages. The API names a problem with one item of a
 * list as `redirect_uris[1]` (docs/clients.md) or `redirect_uris.1` (class-validator), and a
 * field as itself: every form finds its own problems here.
 */
export function fieldProblem(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  for (const detail of error.details) {
    if (detail.field === field) return detail.problem;
    const rest = detail.field.startsWith(field) ? detail.field.slice(field.length) : undefined;
    const index = rest && /^(?:\[(\d+)\]|\.(\d+))/.exec(rest);
    if (index) return `line ${Number(index[1] ?? index[2]) + 1}: ${detail.problem}`;
    if (rest?.startsWith('.')) return detail.problem;
  }
  return undefined;
}

/** Whether the API named any of `fields` (else the form shows the error on top). */
export function namesAnyOf(error: unknown, fields: string[]): boolean {
  return fields.some((field) => fieldProblem(error, field) !== undefined);
}

/** An ISO 8601 instant in the person's locale, the raw value in `dateTime`. */
export function When(props: { iso: string | null | undefined }) {
  if (!props.iso) return <span class="muted">never</span>;
  return <time dateTime={props.iso}>{new Date(props.iso).toLocaleString()}</time>;
}

/** active / disabled as a badge (text, not colour alone). */
export function StatusBadge(props: { status: string }) {
  return (
    <span class={props.status === 'active' ? 'badge badge-ok' : 'badge badge-off'}>
      {props.status}
    </span>
  );
}

/** One item per line, blanks dropped. */
export function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
