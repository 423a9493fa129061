import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorResponse, toErrorResponse } from './error-response';

const logger = new Logger('Errors');

function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/** An error's answer on any surface: status, headers and JSON body. */
export interface RenderedError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The answer to `exception`, thrown while serving `method url`: the error shape of the surface
 * (RFC 6749 §5.2 or CONTRACT §3), never cached. A failure we did not expect is logged.
 */
export function renderError(exception: unknown, method: string, url: string): RenderedError {
  const response: ErrorResponse = toErrorResponse(exception, url);
  if (response.unexpected !== undefined) {
    // Only the method and path: query strings and bodies may carry secrets.
    logger.error(`${method} ${url.split('?')[0]}: ${describeError(response.unexpected)}`);
  }
  return {
    status: response.status,
    headers: { ...response.headers, 'cache-control': 'no-store' },
    body: JSON.stringify(response.body),
  };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, exception: unknown): void {
  const { status, headers, body } = renderError(exception, request.method, request.url);
  void reply.status(status).headers(headers).type('application/json; charset=utf-8').send(body);
}

/** The one exception filter: OAuth errors per RFC 6749 §5.2, the admin API's shape elsewhere. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), exception);
  }
}
