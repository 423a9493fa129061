import { Injectable } from '@nestjs/common';
import { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { AccessDecisionService } from '../engine/access-decision.service';
import { Decision, DecisionUnavailableError, TOKEN_PROBLEMS } from '../engine/decision';
import { DecisionLog } from '../engine/decision-log.service';
import { bearerToken } from './bearer';

const PREFIX = '/access/gateway';

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * The request the gateway is asking about: nginx `auth_request` sends X-Original-Method and
 * X-Original-URI; Caddy `forward_auth` and Traefik send X-Forwarded-Method and X-Forwarded-Uri;
 * Envoy `ext_authz` (path prefix) sends the request itself under /access/gateway.
 */
export function originalRequest(request: FastifyRequest): { method: string; uri: string } {
  const method = header(request, 'x-original-method') ?? header(request, 'x-forwarded-method');
  const uri = header(request, 'x-original-uri') ?? header(request, 'x-forwarded-uri');
  if (method && uri) return { method, uri };
  const own = request.url.slice(PREFIX.length) || '/';
  return { method: method ?? request.method, uri: uri ?? (own.startsWith('/') ? own : `/${own}`) };
}

const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * CONTRACT §4 gateway forward-auth: 200 with the X-Auth-* headers when allowed; 401 with a
 * Bearer challenge for token problems; 403 otherwise; 503 when the server cannot tell.
 *
 * Every API request behind a gateway comes through here, so it is a plain Fastify route rather
 * than a Nest controller: no guards, pipes or interceptors to walk. (Its OpenAPI description is
 * added in swagger.ts.)
 */
@Injectable()
export class GatewayRoute {
  constructor(
    private readonly engine: AccessDecisionService,
    private readonly log: DecisionLog,
  ) {}

  register(fastify: FastifyInstance): void {
    const handler = (request: FastifyRequest, reply: FastifyReply) => this.answer(request, reply);
    fastify.route({ method: METHODS, url: PREFIX, handler });
    fastify.route({ method: METHODS, url: `${PREFIX}/*`, handler });
  }

  private async answer(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { method, uri } = originalRequest(request);
    let decision: Decision;
    try {
      decision = await this.engine.decideGateway({
        token: bearerToken(request.headers.authorization),
        method,
        path: uri,
      });
    } catch (error) {
      if (!(error instanceof DecisionUnavailableError)) throw error;
      // Fail closed: the gateway must deny; never a 2xx.
      void reply
        .status(503)
        .headers(error.headers)
        .type('application/json')
        .send(JSON.stringify(error));
      return;
    }
    this.log.record(decision, { surface: 'gateway', method, path: uri.split('?', 1)[0] });
    void reply.header('x-decision-id', decision.decisionId).header('cache-control', 'no-store');
    if (decision.allowed) {
      if (decision.sub) void reply.header('x-auth-subject', decision.sub);
      if (decision.clientId) void reply.header('x-auth-client-id', decision.clientId);
      if (decision.scope !== undefined) void reply.header('x-auth-scope', decision.scope);
      void reply.status(200).send();
      return;
    }
    if (TOKEN_PROBLEMS.has(decision.reason)) {
      const error = decision.reason === 'token_missing' ? '' : ', error="invalid_token"';
      void reply.status(401).header('www-authenticate', `Bearer realm="gatehouse"${error}`);
    } else {
      void reply.status(403);
    }
    void reply.type('application/json').send(
      JSON.stringify({
        allowed: false,
        reason: decision.reason,
        decision_id: decision.decisionId,
      }),
    );
  }
}
