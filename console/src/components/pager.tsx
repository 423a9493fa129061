/** "Showing 51–100 of 230" with Previous and Next, for the admin API's limit/offset lists. */
export function Pager(props: {
  total: number;
  limit: number;
  offset: number;
  onOffset: (offset: number) => void;
  label: string;
}) {
  const { total, limit, offset } = props;
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(offset + limit, total);
  return (
    <nav class="pager" aria-label={`${props.label} pages`}>
      <p>
        Showing {first}–{last} of {total}
      </p>
      <button
        type="button"
        class="secondary"
        disabled={offset === 0}
        onClick={() => props.onOffset(Math.max(0, offset - limit))}
      >
        Previous page
      </button>
      <button
        type="button"
        class="secondary"
        disabled={offset + limit >= total}
        onClick={() => props.onOffset(offset + limit)}
      >
        Next page
      </button>
    </nav>
  );
}
