/**
 * The one error model of every surface (node-oidc-provider `lib/helpers/errors.js`): an error
 * has an HTTP status, a public code and description, headers, and an internal `detail` that the
 * exception filter logs with the request id and never sends. The route that answers picks the
 * body's shape (common/error-response.ts): RFC 6749 §5.2 `{error, error_description}`, the
 * admin API's `{error, message, details?}` (docs/endpoints.md, Admin API), or an HTML page.
 */

/** One field-level problem in a validation error: public, sent as `details`. */
export interface FieldProblem {
  field: string;
  problem: string;
}

export interface ErrorOptions {
  /** What went wrong, for the log only: never sent. */
  detail?: string;
  /** Headers the answer carries (a challenge, Retry-After...). */
  headers?: Record<string, string>;
  /** The status, when a code is answered with another than its usual one. */
  status?: number;
  /** Field-level problems, sent with the error (admin API validation errors). */
  details?: FieldProblem[];
}

export class GatehouseError extends Error {
  readonly status: number;
  readonly detail?: string;
  readonly headers: Record<string, string>;
  readonly details?: FieldProblem[];

  constructor(
    /** The public code (`error`). */
    readonly error: string,
    status: number,
    /** The public description (`error_description`, or `message` on the admin API). */
    readonly description: string,
    options: ErrorOptions = {},
  ) {
    super(description);
    this.name = new.target.name || 'GatehouseError';
    this.status = options.status ?? status;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
    if (options.details) this.details = options.details;
  }

  /** RFC 6749 §5.2: what a client sees, without the detail. */
  toJSON(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

/** A class for one error code: `new InvalidGrantError(description, detail?)`. */
export type ErrorClass = new (
  description: string,
  detail?: string,
  options?: Omit<ErrorOptions, 'detail'>,
) => GatehouseError;

/**
 * The class of errors with code `error` and usual `status`; `headers` are those every such
 * error carries, a function of the description when they repeat it.
 */
export function errorClass(
  error: string,
  status: number,
  headers?: (description: string) => Record<string, string>,
): ErrorClass {
  const named = class extends GatehouseError {
    constructor(description: string, detail?: string, options: Omit<ErrorOptions, 'detail'> = {}) {
      super(error, status, description, {
        headers: headers?.(description),
        ...options,
        detail,
      });
    }
  };
  // `invalid_grant` → InvalidGrantError, the name its instances carry in logs and stacks.
  const name = error.replace(/(^|_)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
  Object.defineProperty(named, 'name', { value: `${name}Error` });
  return named;
}
