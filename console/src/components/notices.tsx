import { ComponentChildren } from 'preact';
import { ApiError } from '../api';

/** A problem the person should read now (role=alert is announced at once). */
export function ErrorNotice(props: { error: unknown; title?: string }) {
  if (!props.error) return null;
  return (
    <div class="notice notice-error" role="alert">
      {props.title && <strong>{props.title} </strong>}
      {messageOf(props.error)}
    </div>
  );
}

/** A result the person asked for (role=status is announced politely). */
export function StatusNotice(props: { children: ComponentChildren }) {
  return (
    <div class="notice notice-ok" role="status">
      {props.children}
    </div>
  );
}

export function Loading(props: { what?: string }) {
  return (
    <p class="muted" role="status">
      Loading{props.what ? ` ${props.what}` : ''}…
    </p>
  );
}

/** What to tell a person about `error`: the API's own message, or a plain fallback. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return `${error.message} (your token lacks the right for this).`;
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
