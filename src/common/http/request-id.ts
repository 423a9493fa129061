import { IncomingMessage, ServerResponse } from 'node:http';
import { Ids, RANDOM_IDS } from '../ids';
import { currentRequestId, runWithRequestId } from '../logging/request-context';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * A request id a client sent that we may repeat in our answer and logs: 1 to 128 visible ASCII
 * characters (no spaces, controls or anything a header or log line could be split with).
 */
const ECHOABLE = /^[\x21-\x7E]{1,128}$/;

/**
 * The id of a request: the client's `X-Request-ID` when it is echoable, else a new UUID (also
 * for a repeated header, which Node joins with ", "). AuthZEN 1.0 §10.1.3: a PDP answers a
 * request that carries an identifier with an identifier, the same one when the PEP sent one.
 */
export function requestIdOf(
  request: Pick<IncomingMessage, 'headers'>,
  ids: Ids = RANDOM_IDS,
): string {
  const sent = request.headers[REQUEST_ID_HEADER];
  return typeof sent === 'string' && ECHOABLE.test(sent) ? sent : ids.uuid();
}

/** The id `withRequestIds` gave the request being served (else one for `request`). */
export function servedRequestId(request: Pick<IncomingMessage, 'headers'>): string {
  return currentRequestId() ?? requestIdOf(request);
}

/**
 * The id to put in `X-Request-ID` of the answer being written. The hot routes put it in the
 * headers they pass to `writeHead`: a `setHeader` beforehand would send every other header of
 * theirs through Node's slower header path (measured on check_gateway).
 */
export function echoedRequestId(): string {
  return currentRequestId() ?? RANDOM_IDS.uuid();
}

/**
 * The outermost request listener: every request, hot routes and Fastify's alike, gets its id
 * once, and every log line written while serving it carries it as `request_id`
 * (docs/observability.md). Every answer, errors included, carries it in `X-Request-ID`: Fastify's
 * through `echoRequestIds`, the hot routes' and the edge's through `echoedRequestId`.
 */
export function withRequestIds(
  next: (request: IncomingMessage, response: ServerResponse) => void,
  ids: Ids,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) =>
    runWithRequestId(requestIdOf(request, ids), next, request, response);
}

/** Every answer Fastify writes (its 503 while closing included) carries the request's id. */
export function echoRequestIds(response: ServerResponse): void {
  response.setHeader(REQUEST_ID_HEADER, echoedRequestId());
}

/** Fastify's `request.id` is the id `withRequestIds` gave (never the raw header). */
export function requestIdOptions(ids: Ids) {
  return {
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => currentRequestId() ?? requestIdOf(request, ids),
  } as const;
}
