import { accessToken, refresh, signIn } from './auth/session';

/**
 * The admin API as the console calls it (docs/endpoints.md, Admin API): JSON over the same
 * origin, with the signed-in person's Bearer token, so the audit log names the person and no
 * cookie is involved (CSRF cannot ride on a Bearer header).
 */

/** One field the API found wrong: `{field, problem}`. */
export interface FieldProblem {
  field: string;
  problem: string;
}

/** An answer of 400 and up, in the admin API's error shape `{error, message, details}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
  }

  /**
   * The problem named for `field`, if any. The API names a problem with one item of a list as
   * `redirect_uris[1]` (docs/clients.md) or `redirect_uris.1` (class-validator): that one reads
   * "line 2: …", so the person finds the line of the textarea. A sub-field (`subject.id`) counts
   * as the field itself.
   */
  problemOf(field: string): string | undefined {
    for (const detail of this.details) {
      if (detail.field === field) return detail.problem;
      const rest = detail.field.startsWith(field) ? detail.field.slice(field.length) : undefined;
      const index = rest && /^(?:\[(\d+)\]|\.(\d+))/.exec(rest);
      if (index) return `line ${Number(index[1] ?? index[2]) + 1}: ${detail.problem}`;
      if (rest?.startsWith('.')) return detail.problem;
    }
    return undefined;
  }
}

/** A page of a list route, with the total from X-Total-Count. */
export interface Page<T> {
  items: T[];
  total: number;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

async function send(method: Method, path: string, body?: unknown): Promise<Response> {
  const call = async () =>
    fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${await accessToken()}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  let response = await call();
  if (response.status === 401) {
    // The access token was revoked or expired early: one refresh, then sign in again.
    if (!(await refresh())) return signIn();
    response = await call();
  }
  if (response.status >= 400) throw await toApiError(response);
  return response;
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: { error?: unknown; message?: unknown; error_description?: unknown; details?: unknown } =
    {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // Not JSON: the status alone says it.
  }
  const message =
    (typeof body.message === 'string' && body.message) ||
    (typeof body.error_description === 'string' && body.error_description) ||
    `The server answered ${response.status}.`;
  const details = Array.isArray(body.details)
    ? (body.details as FieldProblem[]).filter(
        (detail) => typeof detail?.field === 'string' && typeof detail?.problem === 'string',
      )
    : [];
  return new ApiError(
    response.status,
    typeof body.error === 'string' ? body.error : 'error',
    message,
    details,
  );
}

async function json<T>(response: Response): Promise<T> {
  return response.status === 204 ? (undefined as T) : ((await response.json()) as T);
}

export const api = {
  async get<T>(path: string): Promise<T> {
    return json<T>(await send('GET', path));
  },
  async page<T>(
    path: string,
    query: Record<string, string | number | undefined>,
  ): Promise<Page<T>> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') search.set(key, String(value));
    }
    const response = await send('GET', search.size ? `${path}?${search}` : path);
    const items = await json<T[]>(response);
    const total = Number(response.headers.get('x-total-count') ?? items.length);
    return { items, total };
  },
  async post<T>(path: string, body: unknown = {}): Promise<T> {
    return json<T>(await send('POST', path, body));
  },
  async put<T>(path: string, body: unknown): Promise<T> {
    return json<T>(await send('PUT', path, body));
  },
  async patch<T>(path: string, body: unknown): Promise<T> {
    return json<T>(await send('PATCH', path, body));
  },
  async delete(path: string): Promise<void> {
    await send('DELETE', path);
  },
};

/** A path segment, encoded (ids come from the API, but never trust them into a path). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
