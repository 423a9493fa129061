import { ComponentChildren } from 'preact';

/**
 * A data table that scrolls sideways on a narrow screen instead of the page: the scrolling
 * region is focusable and named, so keyboard users can scroll it too.
 */
export function Table(props: { caption: string; children: ComponentChildren }) {
  return (
    <div class="table-scroll" role="region" aria-label={props.caption} tabIndex={0}>
      <table>
        <caption class="visually-hidden">{props.caption}</caption>
        {props.children}
      </table>
    </div>
  );
}
