import { ComponentChildren } from 'preact';

/**
 * A data table that scrolls sideways on a narrow screen instead of the page: the scrolling
 * region is focusable and named, so keyboard users can scroll it too. `columns` are its column
 * headers (a header row of `th scope="col"`); the children are its body.
 */
export function Table(props: {
  caption: string;
  columns?: readonly ComponentChildren[];
  children: ComponentChildren;
}) {
  return (
    <div class="table-scroll" role="region" aria-label={props.caption} tabIndex={0}>
      <table>
        <caption class="visually-hidden">{props.caption}</caption>
        {props.columns && (
          <thead>
            <tr>
              {props.columns.map((column, index) => (
                <th key={index} scope="col">
                  {column}
                </th>
              ))}
            </tr>
          </thead>
        )}
        {props.children}
      </table>
    </div>
  );
}
