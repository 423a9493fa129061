import { Injectable, OnModuleInit } from '@nestjs/common';
import { IncomingMessage, ServerResponse } from 'node:http';
import { FieldProblem, ValidationFailedError } from '../../common/api-error';
import { HotRoutes } from '../../common/http/hot-routes';
import { readJsonBody } from '../../common/http/json-body';
import { AppConfig } from '../../config/app-config';
import { AccessDecisionService } from '../engine/access-decision.service';
import { Decision } from '../engine/decision';
import { DecisionLog } from '../engine/decision-log.service';
import { bearerToken } from '../../common/auth/bearer-token';

export const CHECK_PATH = '/access/check';

const PART = /^[A-Za-z0-9_.-]{1,100}$/;
const FIELDS = new Set(['resource', 'action', 'context']);
const PART_PROBLEM = 'must be 1 to 100 letters, digits or _ . -';

/** The body `{resource, action, context?}`, or a 400 naming every field that is wrong. */
export function checkRequest(body: unknown): { resource: string; action: string } {
  const problems: FieldProblem[] = [];
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const { resource, action, context } = fields;
  if (typeof resource !== 'string' || !PART.test(resource))
    problems.push({ field: 'resource', problem: PART_PROBLEM });
  if (typeof action !== 'string' || !PART.test(action))
    problems.push({ field: 'action', problem: PART_PROBLEM });
  if (
    context !== undefined &&
    (typeof context !== 'object' || context === null || Array.isArray(context))
  ) {
    problems.push({ field: 'context', problem: 'must be an object' });
  }
  for (const field of Object.keys(fields)) {
    if (!FIELDS.has(field)) problems.push({ field, problem: 'should not exist' });
  }
  if (problems.length > 0) throw new ValidationFailedError(problems);
  return { resource: resource as string, action: action as string };
}

/**
 * `POST /access/check` (README, checkAccess): may the caller's token do `resource:action`? 200
 * `{allowed, reason, sub, client_id, scope, decision_id}`; 400, 413 or 415 for a bad body; 503
 * when the server cannot tell.
 *
 * Services ask on every call, so, like the gateway route, this is a hot route (served from
 * node:http ahead of Fastify); its errors are rendered as the exception filter renders every
 * other route's. (Described in access-routes.openapi.ts.)
 */
@Injectable()
export class CheckRoute implements OnModuleInit {
  constructor(
    private readonly engine: AccessDecisionService,
    private readonly log: DecisionLog,
    private readonly hotRoutes: HotRoutes,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.hotRoutes.add({ methods: ['POST'], path: CHECK_PATH }, (request, response) =>
      this.answer(request, response),
    );
  }

  private answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    return readJsonBody(request, this.config.bodyLimit).then((body) => {
      const { resource, action } = checkRequest(body);
      const asked = {
        token: bearerToken(request.headers.authorization),
        permission: `${resource}:${action}`,
      };
      const now = this.engine.decidePermissionNow(asked);
      if (now) return this.answered(response, now);
      return this.engine
        .decidePermission(asked)
        .then((decision) => this.answered(response, decision));
    });
  }

  private answered(response: ServerResponse, decision: Decision): void {
    this.log.record(decision, { surface: 'check' });
    send(response, decision);
  }
}

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
      'x-decision-id': decision.decisionId,
      'cache-control': 'no-store',
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    })
    .end(body);
}
