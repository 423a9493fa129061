import { HttpException } from '@nestjs/common';
import { ApiError } from './api-error';
import { OAuthError } from './oauth-error';

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /** Set for failures we did not expect: they are logged, and the client sees only a 500. */
  unexpected?: unknown;
}

/** Endpoints that speak RFC 6749 §5.2 errors; everything else uses the admin API shape. */
const OAUTH_PATHS = /^\/(token|introspect|revoke|register|userinfo|par)(\/|\?|$)/;

export function isOAuthPath(url: string): boolean {
  return OAUTH_PATHS.test(url);
}

/** The pages a person sees in a browser: their errors are HTML pages too. */
const PAGE_PATHS = /^\/(authorize|login|consent|signup|logout|account)(\/|\?|$)/;

export function isPagePath(url: string): boolean {
  return PAGE_PATHS.test(url);
}

/** The longest path a 404 repeats; the query string is never repeated (it may hold a token). */
const ECHOED_PATH_LENGTH = 128;

function notFoundMessage(method: string | undefined, url: string): string {
  if (method === undefined) return 'not found';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const bounded = path.length > ECHOED_PATH_LENGTH ? `${path.slice(0, ECHOED_PATH_LENGTH)}…` : path;
  return `Cannot ${method} ${bounded}`;
}

const HTTP_CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'invalid_request',
  415: 'invalid_request',
  429: 'too_many_requests',
  503: 'temporarily_unavailable',
};

/** What is wrong with a request body, in the same words on every route. */
export const BODY_PROBLEMS = {
  tooLarge: 'the request body is too large',
  unsupportedType: 'unsupported Content-Type',
  emptyJson: 'the JSON body is empty',
  lengthMismatch: 'Content-Length does not match the body',
  invalidJson: 'the body is not valid JSON',
  malformed: 'the request is malformed',
} as const;

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/** Errors Fastify raises while reading the body, before any handler runs. */
function fromFastify(error: unknown): { status: number; message: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { statusCode: status, code } = error as FastifyLikeError;
  if (!status || status < 400 || status >= 500) return undefined;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status, message: BODY_PROBLEMS.tooLarge };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status, message: BODY_PROBLEMS.unsupportedType };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status, message: BODY_PROBLEMS.emptyJson };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status, message: BODY_PROBLEMS.invalidJson };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status, message: BODY_PROBLEMS.lengthMismatch };
    default:
      return {
        status,
        message: error instanceof SyntaxError ? BODY_PROBLEMS.invalidJson : BODY_PROBLEMS.malformed,
      };
  }
}

function render(
  surface: 'oauth' | 'api',
  status: number,
  error: string,
  message: string,
  headers: Record<string, string> = {},
  details?: unknown,
): ErrorResponse {
  const body: Record<string, unknown> =
    surface === 'oauth'
      ? { error, error_description: message }
      : details
        ? { error, message, details }
        : { error, message };
  return { status, headers, body };
}

/**
 * Turns anything thrown while serving `method url` into the answer its surface promises. A 404
 * names the method and the path, never the query.
 */
export function toErrorResponse(thrown: unknown, url: string, method?: string): ErrorResponse {
  const surface = isOAuthPath(url) ? 'oauth' : 'api';
  // A body parser's own error, handed over by Fastify wrapped in an HttpException.
  const cause = thrown instanceof HttpException ? thrown.cause : undefined;
  const exception = cause instanceof ApiError || cause instanceof OAuthError ? cause : thrown;
  if (exception instanceof OAuthError) {
    return render(
      surface,
      exception.status,
      exception.error,
      exception.description,
      exception.headers,
    );
  }
  if (exception instanceof ApiError) {
    return render(
      surface,
      exception.status,
      exception.error,
      exception.message,
      exception.headers,
      exception.details,
    );
  }
  // Nest hands Fastify's own errors (an unparsable body, say) over wrapped in an HttpException.
  const fastify = fromFastify(exception instanceof HttpException ? exception.cause : exception);
  if (fastify) {
    return render(
      surface,
      fastify.status,
      HTTP_CODES[fastify.status] ?? 'invalid_request',
      fastify.message,
    );
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) {
      return render(surface, status, HTTP_CODES[status], notFoundMessage(method, url));
    }
    if (status < 500) {
      const response = exception.getResponse();
      const message =
        typeof response === 'object' &&
        'message' in response &&
        typeof response.message === 'string'
          ? response.message
          : exception.message;
      return render(surface, status, HTTP_CODES[status] ?? 'invalid_request', message);
    }
  }
  if (isStorageUnavailable(exception)) {
    // Fail closed: when the database cannot answer, say so (RFC 6749 §4.1.2.1
    // temporarily_unavailable) rather than guess.
    const response = render(
      surface,
      503,
      'temporarily_unavailable',
      'the service is temporarily unavailable',
      { 'retry-after': '1' },
    );
    return { ...response, unexpected: exception };
  }
  const response = render(surface, 500, 'server_error', 'an unexpected error occurred');
  return { ...response, unexpected: exception };
}

/**
 * Network errors and the SQLSTATEs of a database that cannot serve us: class 08 (connection),
 * 53 (insufficient resources), 57P (shutdown), 3D000 (database gone), 55000 (not accepting
 * connections).
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '3D000',
  '55000',
]);
const UNAVAILABLE_CLASSES = /^(08|53|57P)/;

function isStorageUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, driverError } = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
  };
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_CLASSES.test(code)))
    return true;
  if (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect/i.test(message)
  ) {
    return true;
  }
  return driverError !== undefined && isStorageUnavailable(driverError);
}
