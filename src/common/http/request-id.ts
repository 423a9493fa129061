import { FastifyInstance } from 'fastify';
import { IncomingMessage } from 'node:http';
import { Ids, RANDOM_IDS } from '../ids';

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

/**
 * Fastify takes the request id from `requestIdOf` (never the raw header), new ones from `ids`,
 * and every answer, errors included, carries it in `X-Request-ID`.
 */
export function requestIdOptions(ids: Ids) {
  return {
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => requestIdOf(request, ids),
  } as const;
}

export function echoRequestIds(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
