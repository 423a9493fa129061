import { Injectable } from '@nestjs/common';
import { decodeJwt } from 'jose';
import { Subject } from '../../common/auth/subject-permissions';
import { AccessDecisionService } from '../engine/access-decision.service';
import { AccessState } from '../engine/access-state';
import { Decision } from '../engine/decision';
import { requestPath } from '../rules/request-path';
import { Explanation, ExplainRequest } from './explain.dto';

/**
 * The decision the engine makes for a token and a request, with what it rested on (the rule,
 * the token's claims, the client's and subject's state, roles and permissions), so that an
 * administrator can understand a surprising allow or deny.
 */
@Injectable()
export class DecisionExplainer {
  constructor(
    private readonly engine: AccessDecisionService,
    private readonly state: AccessState,
  ) {}

  /** `{token, method, path}` is a gateway request, `{token, resource, action}` a permission. */
  async explain(body: ExplainRequest): Promise<Explanation> {
    const decision: Decision =
      body.resource && body.action
        ? await this.engine.decidePermission({
            token: body.token,
            permission: `${body.resource}:${body.action}`,
          })
        : await this.engine.decideGateway({
            token: body.token,
            method: body.method ?? 'GET',
            path: body.path ?? '/',
          });
    const claims = this.claims(body.token);
    const clientId = typeof claims?.client_id === 'string' ? claims.client_id : undefined;
    const sub = typeof claims?.sub === 'string' ? claims.sub : undefined;
    const subject: Subject | undefined =
      sub && clientId
        ? sub === clientId
          ? { type: 'client', id: clientId }
          : { type: 'user', id: sub }
        : undefined;
    return {
      allowed: decision.allowed,
      reason: decision.reason,
      decision_id: decision.decisionId,
      rule: decision.ruleId ? this.rule(body.method ?? 'GET', body.path ?? '/') : null,
      token: claims
        ? {
            sub,
            client_id: clientId,
            scope: claims.scope,
            aud: claims.aud,
            iat: claims.iat,
            exp: claims.exp,
            jti: claims.jti,
          }
        : null,
      client: clientId ? this.describe({ type: 'client', id: clientId }) : null,
      subject: subject && subject.type === 'user' ? this.describe(subject) : null,
    };
  }

  private claims(token: string | undefined): Record<string, unknown> | undefined {
    if (!token) return undefined;
    try {
      return decodeJwt(token);
    } catch {
      return undefined;
    }
  }

  private rule(method: string, path: string): object | null {
    const { segments } = requestPath(path);
    const rule = segments && this.state.matcher.match(method, segments);
    return rule ? { ...rule } : null;
  }

  private describe(subject: Subject): object {
    const state = this.state.subject(subject);
    if (!state) return { type: subject.type, id: subject.id, known: false };
    return {
      type: subject.type,
      id: subject.id,
      known: true,
      active: state.active,
      tokens_valid_after: state.tokensValidAfter
        ? new Date(state.tokensValidAfter).toISOString()
        : null,
      roles: state.roles,
      permissions: [...this.state.permissionsOf(subject)].sort(),
    };
  }
}
