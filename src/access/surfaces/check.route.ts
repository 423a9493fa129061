import { Injectable, OnModuleInit } from '@nestjs/common';
import { IncomingMessage, ServerResponse } from 'node:http';
import { HotRouteDefinition, JsonObjectBody } from '../../common/http/hot-route-definition';
import { HotRoutes } from '../../common/http/hot-routes';
import { echoedRequestId, REQUEST_ID_HEADER } from '../../common/http/request-id';
import { readJsonBody } from '../../common/http/json-body';
import { AppConfig } from '../../config/app-config';
import { AccessDecisionService } from '../engine/access-decision.service';
import { Decision, DECISION_UNAVAILABLE } from '../engine/decision';
import { DecisionLog } from '../engine/decision-log.service';
import { ClientAddressReader } from '../../common/http/client-address';
import { ClientCertificateReader } from '../../common/http/client-certificate';
import { CHECK_SUBJECT, checkedSubject } from './check-subject';
import { presentedToken, RequestReaders } from './presentation';

const PART = {
  type: 'string',
  pattern: /^[A-Za-z0-9_.-]{1,100}$/,
  problem: 'must be 1 to 100 letters, digits or _ . -',
} as const;

/** `POST /access/check`: where it is served, what its body must be, how OpenAPI describes it. */
export const CHECK_ROUTE = {
  methods: ['POST'],
  path: '/access/check',
  body: new JsonObjectBody({
    resource: { ...PART, example: 'invoices' },
    action: { ...PART, example: 'read' },
    context: { type: 'object' },
    subject: CHECK_SUBJECT,
  }),
  operation: {
    tags: ['access'],
    summary:
      'Decide for the Bearer token in the request, or a subject it names: allowed or one reason',
    description:
      'Without subject, the decision is about the caller’s own token; context reaches ' +
      'conditions, beside the server’s time and address, which override the same keys. With ' +
      'subject {type, id}, the caller’s token must pass the same checks and carry iam:check ' +
      '(else the caller’s reason, or insufficient_scope, about nobody: sub, client_id and ' +
      'scope null); the decision is then about that subject as an AuthZEN evaluation makes ' +
      'it: sub its user id or client_id, client_id the client_id of a client subject (else ' +
      'null), scope null (docs/access.md). ' +
      'A sender-constrained token comes with its proof for this very request: a DPoP-bound ' +
      'one as Authorization: DPoP with a DPoP proof for POST and this URL (X-Forwarded-Proto ' +
      'and X-Forwarded-Host believed from an address TRUST_PROXY trusts, else the connection ' +
      'and Host), a certificate-bound one over mutual TLS or with X-SSL-Client-Cert from a ' +
      'trusted proxy. Otherwise: binding_mismatch (docs/access.md).',
    security: [{ bearer: [] }],
    responses: {
      '200': {
        description: 'The decision; X-Decision-Id carries its id',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['allowed', 'reason', 'sub', 'client_id', 'scope', 'decision_id'],
              properties: {
                allowed: { type: 'boolean' },
                reason: {
                  type: 'string',
                  description: 'allowed, or a reason code (docs/reason-codes.md)',
                },
                sub: { type: 'string', nullable: true },
                client_id: { type: 'string', nullable: true },
                scope: { type: 'string', nullable: true },
                decision_id: { type: 'string', format: 'uuid' },
              },
            },
          },
        },
      },
      '400': { description: 'The body is not {resource, action, context?, subject?}' },
      '413': { description: 'The body is larger than BODY_LIMIT' },
      '415': { description: 'The body is not application/json' },
      '503': DECISION_UNAVAILABLE,
    },
  },
} satisfies HotRouteDefinition;

/**
 * `POST /access/check` (docs/access.md): may the caller's token do `resource:action`, or, for a
 * caller with `iam:check` naming a `subject`, may that subject? 200
 * `{allowed, reason, sub, client_id, scope, decision_id}`; 400, 413 or 415 for a bad body; 503
 * when the server cannot tell.
 *
 * Services ask on every call, so, like the gateway route, this is a hot route (served from
 * node:http ahead of Fastify); its errors are rendered as the exception filter renders every
 * other route's. (Declared, validation and OpenAPI description alike, by CHECK_ROUTE.)
 */
@Injectable()
export class CheckRoute implements OnModuleInit {
  private readonly readers: RequestReaders;

  constructor(
    private readonly engine: AccessDecisionService,
    private readonly log: DecisionLog,
    private readonly hotRoutes: HotRoutes,
    private readonly config: AppConfig,
    certificates: ClientCertificateReader,
    addresses: ClientAddressReader,
  ) {
    this.readers = { certificates, addresses };
  }

  onModuleInit(): void {
    this.hotRoutes.add(CHECK_ROUTE, (request, response) => this.answer(request, response));
  }

  private answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    return readJsonBody(request, this.config.bodyLimit).then((body) => {
      const started = this.log.start();
      const { resource, action, context, subject } = CHECK_ROUTE.body.parse(body);
      // The check request is the one a proof of possession is for (docs/access.md): its own
      // method and URL, its own DPoP header and client certificate.
      const own = { method: request.method ?? 'POST', uri: request.url ?? CHECK_ROUTE.path };
      const { token, presented } = presentedToken(request, own, this.readers, 'trusted-proxy');
      const permission = `${resource}:${action}`;
      const about = checkedSubject(subject);
      const asked = { token, presented, permission, context: context as CheckContext };
      if (about) {
        const named = { ...asked, about };
        const now = this.engine.decideNamedNow(named);
        if (now) return this.answered(response, now, started);
        return this.engine
          .decideNamed(named)
          .then((decision) => this.answered(response, decision, started));
      }
      const now = this.engine.decidePermissionNow(asked);
      if (now) return this.answered(response, now, started);
      return this.engine
        .decidePermission(asked)
        .then((decision) => this.answered(response, decision, started));
    });
  }

  private answered(response: ServerResponse, decision: Decision, started: number): void {
    this.log.record(decision, { surface: 'check', started });
    send(response, decision);
  }
}

/** The body's `context`: an object when present (CHECK_ROUTE.body). */
type CheckContext = Record<string, unknown> | undefined;

function send(response: ServerResponse, decision: Decision): void {
  const body = JSON.stringify({
    allowed: decision.allowed,
    reason: decision.reason,
    sub: decision.sub ?? null,
    client_id: decision.clientId ?? null,
    scope: decision.scope ?? null,
    decision_id: decision.decisionId,
  });
  response
    .writeHead(200, {
      [REQUEST_ID_HEADER]: echoedRequestId(),
      'x-decision-id': decision.decisionId,
      'cache-control': 'no-store',
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    })
    .end(body);
}
