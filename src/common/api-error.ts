/** One field-level problem in an admin API validation error. */
export interface FieldProblem {
  field: string;
  problem: string;
}

/**
 * The admin API's error shape (docs/endpoints.md, Admin API):
 * `{"error": code, "message": text, "details"?: [{field, problem}]}`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly details?: FieldProblem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): { error: string; message: string; details?: FieldProblem[] } {
    return this.details
      ? { error: this.error, message: this.message, details: this.details }
      : { error: this.error, message: this.message };
  }
}

export class ValidationFailedError extends ApiError {
  constructor(details: FieldProblem[]) {
    super(400, 'invalid_request', summarize(details), details);
  }
}

export class NotFoundError extends ApiError {
  constructor(what: string) {
    super(404, 'not_found', `${what} not found`);
  }
}

export class ConflictError extends ApiError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

function summarize(details: FieldProblem[]): string {
  if (details.length === 0) return 'the request is invalid';
  const [first] = details;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  return `${first.field}: ${first.problem}${more}`;
}
