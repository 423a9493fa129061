import { Injectable, OnModuleInit } from '@nestjs/common';
import { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { HotRouteDefinition } from '../../common/http/hot-route-definition';
import { HotRoutes } from '../../common/http/hot-routes';
import { echoedRequestId, REQUEST_ID_HEADER } from '../../common/http/request-id';
import { AccessDecisionService } from '../engine/access-decision.service';
import { AppConfig } from '../../config/app-config';
import { GatewayForm } from '../../config/environment';
import { Decision, DECISION_UNAVAILABLE, pathRejected, TOKEN_PROBLEMS } from '../engine/decision';
import { DecisionLog } from '../engine/decision-log.service';
import { PathProblem } from '../rules/request-path';
import { ClientAddressReader } from '../../common/http/client-address';
import { ClientCertificateReader } from '../../common/http/client-certificate';
import { Ids } from '../../common/ids';
import { dpopChallenge } from '../../tokens/dpop/dpop-proof';
import { presentedToken, RequestReaders } from './presentation';

export const GATEWAY_PREFIX = '/access/gateway';

/**
 * The gateway route: every method, at /access/gateway and below it (the `path` form), and its
 * OpenAPI description. It reads no body; what it reads is in originalRequest.
 */
export const GATEWAY_ROUTE = {
  methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
  path: GATEWAY_PREFIX,
  prefix: true,
  operation: {
    tags: ['access'],
    summary:
      'Forward-auth for nginx auth_request, Caddy forward_auth, Envoy ext_authz (docs/gateways.md)',
    description:
      'The original request comes from X-Original-Method + X-Original-URI (nginx), ' +
      'X-Forwarded-Method + X-Forwarded-Uri (Caddy, Traefik), or this request itself under ' +
      '/access/gateway/ (Envoy), as GATEWAY_FORMS accepts (docs/gateways.md). An original URI ' +
      'that upstreams could read differently is denied with path_rejected before any rule ' +
      '(docs/security/paths.md). A sender-constrained token needs its proof: the client’s DPoP ' +
      'header (Authorization: DPoP), checked against the original method and the URL rebuilt ' +
      'from X-Forwarded-Proto, X-Forwarded-Host (else Host) and the original URI, or its ' +
      'certificate in X-SSL-Client-Cert from an address TRUST_PROXY trusts (docs/access.md). ' +
      'Method-override headers are never read. Every answer carries ' +
      'X-Decision-Id.',
    security: [{ bearer: [] }],
    responses: {
      '200': {
        description: 'Allowed; X-Auth-Subject, X-Auth-Client-Id and X-Auth-Scope name the caller',
      },
      '401': {
        description:
          'Token missing, invalid, expired or revoked, or its proof of possession missing or ' +
          'wrong (binding_mismatch); WWW-Authenticate: Bearer, or DPoP for a DPoP-bound token',
      },
      '403': {
        description: 'Denied (path_rejected included): {allowed: false, reason, decision_id}',
      },
      '503': DECISION_UNAVAILABLE,
    },
  },
} satisfies HotRouteDefinition;

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The request a gateway asks about, or why it does not say so unambiguously. */
export type OriginalRequest =
  { method: string; uri: string; problem?: undefined } | { problem: PathProblem };

/**
 * The request the gateway is asking about (docs/gateways.md), in one of the forms that
 * GATEWAY_FORMS accepts:
 * - `path` (Envoy `ext_authz`, path prefix): the request itself under /access/gateway/. Envoy
 *   may pass client headers through, so X-Original-* and X-Forwarded-* are never read here.
 * - `x-original` (nginx `auth_request`): X-Original-URI, and X-Original-Method (else this
 *   request's method), on /access/gateway itself.
 * - `x-forwarded` (Caddy `forward_auth`, Traefik `forwardAuth`): X-Forwarded-Uri and
 *   X-Forwarded-Method likewise. Caddy and Traefik set these but pass a client's X-Original-*
 *   through, so a request carrying both URIs is refused: which one it means depends on who reads.
 *
 * Method-override headers (X-HTTP-Method-Override and the like) are never read: the method
 * judged is the one the gateway names.
 */
export function originalRequest(
  request: IncomingMessage,
  forms: ReadonlySet<GatewayForm>,
): OriginalRequest {
  const url = request.url ?? '';
  if (url.startsWith(`${GATEWAY_PREFIX}/`)) {
    if (!forms.has('path')) return { problem: 'no_original_request' };
    return { method: request.method ?? 'GET', uri: url.slice(GATEWAY_PREFIX.length) };
  }
  const original = forms.has('x-original') ? header(request, 'x-original-uri') : undefined;
  const forwarded = forms.has('x-forwarded') ? header(request, 'x-forwarded-uri') : undefined;
  if (original !== undefined && forwarded !== undefined) return { problem: 'ambiguous_original' };
  const own = request.method ?? 'GET';
  if (original !== undefined) {
    return { method: header(request, 'x-original-method') ?? own, uri: original };
  }
  if (forwarded !== undefined) {
    return { method: header(request, 'x-forwarded-method') ?? own, uri: forwarded };
  }
  return { problem: 'no_original_request' };
}

/**
 * Gateway forward-auth (docs/gateways.md): 200 with the X-Auth-* headers when allowed; 401 with a
 * Bearer challenge for token problems; 403 otherwise; 503 when the server cannot tell.
 *
 * Every API request behind a gateway comes through here, so it is a hot route (served from
 * node:http ahead of Fastify), answered in the same tick when the engine decides from memory.
 * (Declared, with its OpenAPI description, by GATEWAY_ROUTE.)
 */
@Injectable()
export class GatewayRoute implements OnModuleInit {
  private readonly forms: ReadonlySet<GatewayForm>;
  private readonly readers: RequestReaders;

  constructor(
    private readonly engine: AccessDecisionService,
    private readonly log: DecisionLog,
    private readonly hotRoutes: HotRoutes,
    private readonly ids: Ids,
    certificates: ClientCertificateReader,
    addresses: ClientAddressReader,
    config: AppConfig,
  ) {
    this.forms = new Set(config.gatewayForms);
    this.readers = { certificates, addresses };
  }

  onModuleInit(): void {
    this.hotRoutes.add(GATEWAY_ROUTE, (request, response) => this.answer(request, response));
  }

  private answer(request: IncomingMessage, response: ServerResponse): Promise<void> | undefined {
    const started = this.log.start();
    const original = originalRequest(request, this.forms);
    if (original.problem) {
      const decision = pathRejected(original.problem, this.ids.uuid());
      const { method, url: path } = request;
      this.log.record(decision, { surface: 'gateway', method, path, started });
      send(response, decision);
      return undefined;
    }
    const { method, uri } = original;
    const { token, presented } = presentedToken(request, original, this.readers, 'gateway');
    const asked = { token, method, path: uri, presented };
    const dpop = presented.scheme === 'DPoP';
    const now = this.engine.decideGatewayNow(asked);
    if (now) {
      this.answered(response, now, method, uri, dpop, started);
      return undefined;
    }
    return this.engine
      .decideGateway(asked)
      .then((decision) => this.answered(response, decision, method, uri, dpop, started));
  }

  private answered(
    response: ServerResponse,
    decision: Decision,
    method: string,
    path: string,
    dpop: boolean,
    started: number,
  ): void {
    this.log.record(decision, { surface: 'gateway', method, path, started });
    send(response, decision, dpop);
  }
}

/** `dpop`: the token came with the DPoP scheme (its challenge is DPoP's, RFC 9449 §7.1). */
function send(response: ServerResponse, decision: Decision, dpop = false): void {
  if (decision.allowed) {
    const headers: OutgoingHttpHeaders = {
      [REQUEST_ID_HEADER]: echoedRequestId(),
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
    [REQUEST_ID_HEADER]: echoedRequestId(),
    'x-decision-id': decision.decisionId,
    'cache-control': 'no-store',
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  };
  const tokenProblem = TOKEN_PROBLEMS.has(decision.reason);
  if (tokenProblem) headers['www-authenticate'] = challenge(decision, dpop);
  response.writeHead(tokenProblem ? 401 : 403, headers).end(body);
}

/**
 * RFC 6750 §3 for Bearer tokens: no error code when the request carried no token at all.
 * RFC 9449 §7.1 for a token sent with the DPoP scheme or bound to a DPoP key: the DPoP challenge,
 * `invalid_dpop_proof` when the proof was missing or wrong, `invalid_token` for anything else (a
 * DPoP-bound token sent as Bearer included).
 */
function challenge(decision: Decision, dpop: boolean): string {
  if (dpop || decision.dpopBound) {
    const proofProblem = dpop && decision.reason === 'binding_mismatch';
    return dpopChallenge(proofProblem ? 'invalid_dpop_proof' : 'invalid_token')['www-authenticate'];
  }
  const error = decision.reason === 'token_missing' ? '' : ', error="invalid_token"';
  return `Bearer realm="gatehouse"${error}`;
}
