import { useState } from 'preact/hooks';
import { useFieldId } from './field';

/** A search form: the query is applied when submitted (Enter or the button). */
export function SearchForm(props: {
  label: string;
  value: string;
  onSearch: (query: string) => void;
}) {
  const id = useFieldId('search');
  const [query, setQuery] = useState(props.value);
  return (
    <form
      role="search"
      class="search"
      onSubmit={(event) => {
        event.preventDefault();
        props.onSearch(query.trim());
      }}
    >
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type="search"
        value={query}
        maxLength={200}
        onInput={(event) => setQuery(event.currentTarget.value)}
      />
      <button type="submit">Search</button>
    </form>
  );
}
