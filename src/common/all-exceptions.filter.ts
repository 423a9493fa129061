import { ArgumentsHost, Catch, ExceptionFilter, Inject, Logger, Optional } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorResponse, ErrorShape, errorShapeOf, toErrorResponse } from './error-response';
import { GatehouseError } from './errors';

const logger = new Logger('Errors');

function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/** An error's answer on any surface: status, headers (content type included) and body. */
export interface RenderedError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The HTML page a person sees for an error on the pages (login, consent, /authorize...). */
export type ErrorPage = (message: string) => { headers: Record<string, string>; body: string };

/** The injection token of the ErrorPage the composition root provides. */
export const ERROR_PAGE = Symbol('ERROR_PAGE');

/** The request an error answers: the route's error shape and the id its log lines carry. */
export interface FailedRequest {
  method: string;
  url: string;
  shape: ErrorShape;
  /** The request id (common/http/request-id.ts), echoed in X-Request-ID. */
  id: string;
}

function messageOf(body: Record<string, unknown>): string {
  const message = body.error_description ?? body.message;
  return typeof message === 'string' ? message : 'the request cannot be served';
}

/**
 * Logs the failure of `request`, with its id and only its method and path (query strings and
 * bodies may carry secrets). A failure we did not expect is logged at error level with its
 * stack; a 4xx is someone else's mistake, logged without a stack: at info level with the
 * error's internal `detail`, the one place that detail goes, else at debug.
 */
function log(request: FailedRequest, exception: unknown, response: ErrorResponse): void {
  const where = `${request.method} ${request.url.split('?')[0]} (request ${request.id})`;
  if (response.unexpected !== undefined) {
    logger.error(`${where}: ${describeError(response.unexpected)}`);
    return;
  }
  const cause = exception instanceof Error ? exception.cause : undefined;
  const error = exception instanceof GatehouseError ? exception : cause;
  const answered = `${where}: ${response.status} ${String(response.body.error)}`;
  if (error instanceof GatehouseError && error.detail !== undefined) {
    logger.log(`${answered}: ${error.detail}`);
  } else {
    logger.debug(answered);
  }
}

/**
 * The answer to `exception`, thrown while serving `request`: the error shape its route declares
 * (RFC 6749 §5.2 on OAuth endpoints, `errorPage` on the pages a person sees, the admin API's
 * JSON elsewhere), never cached. The internal detail is logged, never sent.
 */
export function renderError(
  exception: unknown,
  request: FailedRequest,
  errorPage?: ErrorPage,
): RenderedError {
  const response = toErrorResponse(exception, request.shape, request.url, request.method);
  log(request, exception, response);
  if (errorPage && request.shape === 'page') {
    const page = errorPage(messageOf(response.body));
    return {
      status: response.status,
      headers: { ...response.headers, ...page.headers, 'cache-control': 'no-store' },
      body: page.body,
    };
  }
  return {
    status: response.status,
    headers: {
      ...response.headers,
      'cache-control': 'no-store',
      'content-type': 'application/json; charset=utf-8',
    },
    body: JSON.stringify(response.body),
  };
}

/** Answers `exception` on a request Fastify routed, in the shape its route declares. */
export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  exception: unknown,
  errorPage?: ErrorPage,
): void {
  const { method, url, id } = request;
  const shape = errorShapeOf(request);
  const { status, headers, body } = renderError(exception, { method, url, shape, id }, errorPage);
  void reply.status(status).headers(headers).send(body);
}

/**
 * The one exception filter: every error in the shape its route declares (common/errors.ts,
 * common/error-response.ts).
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(@Optional() @Inject(ERROR_PAGE) private readonly errorPage?: ErrorPage) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      exception,
      this.errorPage,
    );
  }
}
