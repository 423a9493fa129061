import { Injectable, OnModuleInit } from '@nestjs/common';
import { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { HotRoutes } from '../../common/http/hot-routes';
import { AccessDecisionService } from '../engine/access-decision.service';
import { Decision, TOKEN_PROBLEMS } from '../engine/decision';
import { DecisionLog } from '../engine/decision-log.service';
import { bearerToken } from './bearer';
import { whenDecided } from './when-decided';

export const GATEWAY_PREFIX = '/access/gateway';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * The request the gateway is asking about: nginx `auth_request` sends X-Original-Method and
 * X-Original-URI; Caddy `forward_auth` and Traefik send X-Forwarded-Method and X-Forwarded-Uri;
 * Envoy `ext_authz` (path prefix) sends the request itself under /access/gateway.
 */
export function originalRequest(request: IncomingMessage): { method: string; uri: string } {
  const method = header(request, 'x-original-method') ?? header(request, 'x-forwarded-method');
  const uri = header(request, 'x-original-uri') ?? header(request, 'x-forwarded-uri');
  if (method && uri) return { method, uri };
  const own = (request.url ?? '').slice(GATEWAY_PREFIX.length) || '/';
  return {
    method: method ?? request.method ?? 'GET',
    uri: uri ?? (own.startsWith('/') ? own : `/${own}`),
  };
}

/**
 * CONTRACT §4 gateway forward-auth: 200 with the X-Auth-* headers when allowed; 401 with a
 * Bearer challenge for token problems; 403 otherwise; 503 when the server cannot tell.
 *
 * Every API request behind a gateway comes through here, so it is a hot route (served from
 * node:http ahead of Fastify), answered in the same tick when the engine decides synchronously.
 * (Described in access-routes.openapi.ts.)
 */
@Injectable()
export class GatewayRoute implements OnModuleInit {
  constructor(
    private readonly engine: AccessDecisionService,
    private readonly log: DecisionLog,
    private readonly hotRoutes: HotRoutes,
  ) {}

  onModuleInit(): void {
    this.hotRoutes.add(
      { methods: METHODS, path: GATEWAY_PREFIX, prefix: true },
      (request, response) => this.answer(request, response),
    );
  }

  private answer(request: IncomingMessage, response: ServerResponse): Promise<void> | undefined {
    const { method, uri } = originalRequest(request);
    const answer = this.engine.decideGateway({
      token: bearerToken(request.headers.authorization),
      method,
      path: uri,
    });
    return whenDecided(answer, (decision) => {
      this.log.record(decision, { surface: 'gateway', method, path: uri });
      send(response, decision);
    });
  }
}

function send(response: ServerResponse, decision: Decision): void {
  if (decision.allowed) {
    const headers: OutgoingHttpHeaders = {
      'x-decision-id': decision.decisionId,
      'cache-control': 'no-store',
      'content-length': 0,
    };
    if (decision.sub) headers['x-auth-subject'] = decision.sub;
    if (decision.clientId) headers['x-auth-client-id'] = decision.clientId;
    if (decision.scope !== undefined) headers['x-auth-scope'] = decision.scope;
    response.writeHead(200, headers).end();
    return;
  }
  const body = JSON.stringify({
    allowed: false,
    reason: decision.reason,
    decision_id: decision.decisionId,
  });
  const headers: OutgoingHttpHeaders = {
    'x-decision-id': decision.decisionId,
    'cache-control': 'no-store',
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  };
  const tokenProblem = TOKEN_PROBLEMS.has(decision.reason);
  if (tokenProblem) {
    // RFC 6750 §3: no error code when the request carried no token at all.
    const error = decision.reason === 'token_missing' ? '' : ', error="invalid_token"';
    headers['www-authenticate'] = `Bearer realm="gatehouse"${error}`;
  }
  response.writeHead(tokenProblem ? 401 : 403, headers).end(body);
}
