import { HttpException } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import { GatehouseError } from './errors';

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /** Set for failures we did not expect: they are logged, and the client sees only a 500. */
  unexpected?: unknown;
}

/**
 * The shape of an error's answer: RFC 6749 §5.2 `{error, error_description}` on the OAuth
 * endpoints, the HTML error page on the pages a person sees, and the admin API's
 * `{error, message, details?}` everywhere else (docs/endpoints.md, Admin API).
 */
export type ErrorShape = 'oauth' | 'page' | 'api';

/** The key of a route's ErrorShape in its Fastify route config. */
const ERROR_SHAPE = 'errorShape';

/**
 * Declares the error shape of every route of a controller (the admin API's when undeclared).
 * The shape travels in the Fastify route config (`@RouteConfig`), so whatever fails on the
 * route, in a guard, a body parser or the handler, answers in it.
 */
export function ErrorShape(shape: Exclude<ErrorShape, 'api'>): ClassDecorator {
  return (target) => {
    const prototype = target.prototype as object;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler: unknown = Object.getOwnPropertyDescriptor(prototype, name)?.value;
      if (typeof handler !== 'function' || !Reflect.hasMetadata(PATH_METADATA, handler)) continue;
      const config: unknown = Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler);
      Reflect.defineMetadata(
        FASTIFY_ROUTE_CONFIG_METADATA,
        { ...(config as object | undefined), [ERROR_SHAPE]: shape },
        handler,
      );
    }
  };
}

/** What the error handling knows of a request Fastify routed (or did not). */
export interface RoutedRequest {
  url: string;
  is404?: boolean;
  routeOptions?: { config?: unknown };
}

/** The error shape the route serving `request` declares; see `unroutedShape` for no route. */
export function errorShapeOf(request: RoutedRequest): ErrorShape {
  if (request.is404 || !request.routeOptions) return unroutedShape(request.url);
  const config = request.routeOptions.config as Record<string, unknown> | undefined;
  const shape = config?.[ERROR_SHAPE];
  return shape === 'oauth' || shape === 'page' ? shape : 'api';
}

/**
 * The shape of an answer no route gives: refusals at the edge (before routing) and 404s. A path
 * under an OAuth endpoint or a page answers in that surface's shape, `/par` (RFC 9126) among the
 * endpoints; everything else in the admin API's.
 */
const UNROUTED_SHAPES: ReadonlyMap<string, ErrorShape> = new Map([
  ...['token', 'introspect', 'revoke', 'register', 'userinfo', 'par'].map(
    (segment) => [segment, 'oauth'] as const,
  ),
  ...['authorize', 'login', 'consent', 'signup', 'logout', 'account'].map(
    (segment) => [segment, 'page'] as const,
  ),
]);

export function unroutedShape(url: string): ErrorShape {
  if (url[0] !== '/') return 'api';
  const end = url.slice(1).search(/[/?]/);
  const segment = end === -1 ? url.slice(1) : url.slice(1, end + 1);
  return UNROUTED_SHAPES.get(segment) ?? 'api';
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
  shape: ErrorShape,
  status: number,
  error: string,
  message: string,
  headers: Record<string, string> = {},
  details?: unknown,
): ErrorResponse {
  const body: Record<string, unknown> =
    shape === 'oauth'
      ? { error, error_description: message }
      : details
        ? { error, message, details }
        : { error, message };
  return { status, headers, body };
}

/**
 * Turns anything thrown while serving `method url` into the answer of the route's error shape
 * (a page's body is the admin API's, from which the page takes its message). A 404 names the
 * method and the path, never the query.
 */
export function toErrorResponse(
  thrown: unknown,
  shape: ErrorShape,
  url: string,
  method?: string,
): ErrorResponse {
  // A body parser's own error, handed over by Fastify wrapped in an HttpException.
  const cause = thrown instanceof HttpException ? thrown.cause : undefined;
  const exception = cause instanceof GatehouseError ? cause : thrown;
  if (exception instanceof GatehouseError) {
    return render(
      shape,
      exception.status,
      exception.error,
      exception.description,
      exception.headers,
      exception.details,
    );
  }
  // Nest hands Fastify's own errors (an unparsable body, say) over wrapped in an HttpException.
  const fastify = fromFastify(exception instanceof HttpException ? exception.cause : exception);
  if (fastify) {
    return render(
      shape,
      fastify.status,
      HTTP_CODES[fastify.status] ?? 'invalid_request',
      fastify.message,
    );
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) {
      return render(shape, status, HTTP_CODES[status], notFoundMessage(method, url));
    }
    if (status < 500) {
      const response = exception.getResponse();
      const message =
        typeof response === 'object' &&
        'message' in response &&
        typeof response.message === 'string'
          ? response.message
          : exception.message;
      return render(shape, status, HTTP_CODES[status] ?? 'invalid_request', message);
    }
  }
  if (isStorageUnavailable(exception)) {
    // Fail closed: when the database cannot answer, say so (RFC 6749 §4.1.2.1
    // temporarily_unavailable) rather than guess.
    const response = render(
      shape,
      503,
      'temporarily_unavailable',
      'the service is temporarily unavailable',
      { 'retry-after': '1' },
    );
    return { ...response, unexpected: exception };
  }
  const response = render(shape, 500, 'server_error', 'an unexpected error occurred');
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
