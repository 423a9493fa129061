/**
 * An instant in the person's locale, the ISO 8601 value in `dateTime` (machine-readable).
 * `empty` is what stands for a missing instant ("never", "not scheduled"; a dash by default).
 */
export function When(props: { iso: string | null | undefined; empty?: string }) {
  if (!props.iso) return <span class="muted">{props.empty ?? '—'}</span>;
  const date = new Date(props.iso);
  return (
    <time dateTime={props.iso}>
      {Number.isNaN(date.getTime()) ? props.iso : date.toLocaleString()}
    </time>
  );
}

/** active / disabled (or an outcome, with `ok`) as a badge: text, not colour alone. */
export function StatusBadge(props: { status: string; ok?: boolean }) {
  return (
    <span class={(props.ok ?? props.status === 'active') ? 'badge badge-ok' : 'badge badge-off'}>
      {props.status}
    </span>
  );
}

/** Lines of a textarea: trimmed, without empty ones. */
export function linesOf(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}
