import { useFieldId } from './field';

export type StatusFilterValue = '' | 'active' | 'disabled';

/** A list's status filter: applied as soon as it changes. */
export function StatusFilter(props: {
  value: StatusFilterValue;
  onValue: (value: StatusFilterValue) => void;
}) {
  const id = useFieldId('status-filter');
  return (
    <div class="status-filter">
      <label for={id}>Status</label>
      <select
        id={id}
        value={props.value}
        onChange={(event) => props.onValue(event.currentTarget.value as StatusFilterValue)}
      >
        <option value="">Any</option>
        <option value="active">Active</option>
        <option value="disabled">Disabled</option>
      </select>
    </div>
  );
}
