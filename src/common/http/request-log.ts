import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'pino';

/** Probes ask every few seconds: their lines are at debug level. */
const PROBES = '/health';

/**
 * One line per answered request on the Fastify routes (the hot routes log their decisions
 * instead): method, path without its query (codes and tokens may be in it), route pattern,
 * status and time taken. Never headers, cookies or bodies. The request id comes with the line
 * (common/logging/request-context.ts).
 */
export function logRequests(fastify: FastifyInstance, log: Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    logAnswered(log, request, reply);
    done();
  });
}

function logAnswered(log: Logger, request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?', 1)[0];
  const fields = {
    method: request.method,
    path,
    route: request.routeOptions.url,
    status: reply.statusCode,
    duration_ms: Math.round(reply.elapsedTime * 10) / 10,
  };
  if (path === PROBES || path.startsWith(`${PROBES}/`)) log.debug(fields, 'request answered');
  else log.info(fields, 'request answered');
}
