import { IncomingMessage } from 'node:http';
import { BODY_PROBLEMS } from '../error-response';
import { InvalidRequestError } from '../oauth-error';
import { parseJson } from './strict-json';

const problem = (status: number, message: string) =>
  new InvalidRequestError(message, undefined, { status });

/** Whether a Content-Type header names `application/json` (parameters aside). */
export function isJsonMediaType(contentType: string): boolean {
  const semicolon = contentType.indexOf(';');
  const mediaType = semicolon === -1 ? contentType : contentType.slice(0, semicolon);
  return mediaType.trim().toLowerCase() === 'application/json';
}

/**
 * A JSON request body read straight from node:http, with the answers Fastify's parser gives on
 * every other route: no body at all is `undefined`; a body that is not `application/json` is
 * 415; one past `limit` bytes 413; an empty, malformed or hostile one 400 (strict-json.ts).
 */
export function readJsonBody(request: IncomingMessage, limit: number): Promise<unknown> {
  const { 'content-type': contentType, 'content-length': length } = request.headers;
  const chunked = request.headers['transfer-encoding'] !== undefined;
  if (contentType === undefined && !chunked && (length === undefined || length === '0')) {
    return Promise.resolve(undefined);
  }
  if (contentType === undefined || !isJsonMediaType(contentType)) {
    return Promise.reject(problem(415, BODY_PROBLEMS.unsupportedType));
  }
  if (Number(length) > limit) return Promise.reject(problem(413, BODY_PROBLEMS.tooLarge));

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        stop();
        reject(problem(413, BODY_PROBLEMS.tooLarge));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      if (received === 0) return reject(problem(400, BODY_PROBLEMS.emptyJson));
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received);
      try {
        resolve(parseJson(body));
      } catch (error) {
        reject(error instanceof Error ? error : problem(400, BODY_PROBLEMS.invalidJson));
      }
    };
    const onError = () => {
      stop();
      reject(problem(400, BODY_PROBLEMS.malformed));
    };
    const stop = () => {
      request.off('data', onData).off('end', onEnd).off('error', onError);
    };
    request.on('data', onData).on('end', onEnd).on('error', onError);
  });
}
