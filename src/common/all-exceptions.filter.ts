import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorResponse, toErrorResponse } from './error-response';

const logger = new Logger('Errors');

function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

export function sendError(request: FastifyRequest, reply: FastifyReply, exception: unknown): void {
  const response: ErrorResponse = toErrorResponse(exception, request.url);
  if (response.unexpected !== undefined) {
    const error = response.unexpected;
    // Only the method and path: query strings and bodies may carry secrets.
    logger.error(`${request.method} ${request.url.split('?')[0]}: ${describeError(error)}`);
  }
  void reply
    .status(response.status)
    .headers({ ...response.headers, 'cache-control': 'no-store' })
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(response.body));
}

/** The one exception filter: OAuth errors per RFC 6749 §5.2, the admin API's shape elsewhere. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), exception);
  }
}
