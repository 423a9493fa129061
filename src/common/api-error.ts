import { errorClass, FieldProblem, GatehouseError } from './errors';

export type { FieldProblem } from './errors';

/**
 * The admin API's own codes (docs/endpoints.md, Admin API), one class each (common/errors.ts).
 * Its answers read `{"error": code, "message": description, "details"?: [{field, problem}]}`.
 */
export const UnauthorizedError = errorClass('unauthorized', 401);
export const ForbiddenError = errorClass('forbidden', 403);

export class ValidationFailedError extends GatehouseError {
  constructor(details: FieldProblem[]) {
    super('invalid_request', 400, summarize(details), { details });
  }
}

export class NotFoundError extends GatehouseError {
  constructor(what: string) {
    super('not_found', 404, `${what} not found`);
  }
}

export class ConflictError extends GatehouseError {
  constructor(message: string) {
    super('conflict', 409, message);
  }
}

function summarize(details: FieldProblem[]): string {
  if (details.length === 0) return 'the request is invalid';
  const [first] = details;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  return `${first.field}: ${first.problem}${more}`;
}
