import { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * Whether a page has opened since the document loaded: the first one leaves the focus where the
 * browser put it (so Tab reaches "Skip to content" first), as a loaded document would.
 */
let opened = false;

/**
 * A page's heading and the document title. The heading takes focus when a page opens after the
 * first, so a screen reader announces where a link led (the console changes pages without a
 * load).
 */
export function Page(props: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Gatehouse console`;
    if (opened) heading.current?.focus({ preventScroll: true });
    opened = true;
  }, [props.title]);
  return (
    <>
      <div class="page-header">
        <h1 tabIndex={-1} ref={heading}>
          {props.title}
        </h1>
        {props.actions && <div class="actions">{props.actions}</div>}
      </div>
      {props.children}
    </>
  );
}
