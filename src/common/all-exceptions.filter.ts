import { ArgumentsHost, Catch, ExceptionFilter, Inject, Logger, Optional } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorResponse, isPagePath, toErrorResponse } from './error-response';

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

function messageOf(body: Record<string, unknown>): string {
  const message = body.error_description ?? body.message;
  return typeof message === 'string' ? message : 'the request cannot be served';
}

/**
 * The answer to `exception`, thrown while serving `method url`: the error shape of the surface
 * (RFC 6749 §5.2 on OAuth endpoints, the admin API's JSON elsewhere, `errorPage` on the pages a
 * person sees), never cached. A failure we did not expect is logged at error level; a 4xx is
 * someone else's mistake, logged at debug without a stack.
 */
export function renderError(
  exception: unknown,
  method: string,
  url: string,
  errorPage?: ErrorPage,
): RenderedError {
  const response: ErrorResponse = toErrorResponse(exception, url, method);
  // Only the method and path: query strings and bodies may carry secrets.
  const path = url.split('?')[0];
  if (response.unexpected !== undefined) {
    logger.error(`${method} ${path}: ${describeError(response.unexpected)}`);
  } else {
    logger.debug(`${method} ${path}: ${response.status} ${String(response.body.error)}`);
  }
  if (errorPage && isPagePath(url)) {
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

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  exception: unknown,
  errorPage?: ErrorPage,
): void {
  const { status, headers, body } = renderError(exception, request.method, request.url, errorPage);
  void reply.status(status).headers(headers).send(body);
}

/**
 * The one exception filter: OAuth errors per RFC 6749 §5.2, the admin API's shape elsewhere,
 * and the HTML error page on the pages a person sees.
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
