import { Injectable } from '@nestjs/common';
import { decodeJwt } from 'jose';
import { Subject } from '../../common/auth/subject-permissions';
import { AccessDecisionService } from '../engine/access-decision.service';
import { AccessState, CompiledRule, RuleCondition } from '../engine/access-state';
import { ClientCertificate, derOfForwarded } from '../../common/http/client-certificate';
import { AppConfig } from '../../config/app-config';
import { Decision, Presentation } from '../engine/decision';
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
    private readonly config: AppConfig,
  ) {}

  /** `{token, method, path}` is a gateway request, `{token, resource, action}` a permission. */
  async explain(body: ExplainRequest): Promise<Explanation> {
    const permission = body.resource && body.action ? `${body.resource}:${body.action}` : undefined;
    const presented = this.presentation(body, permission !== undefined);
    const decision: Decision = permission
      ? await this.engine.decidePermission({ token: body.token, permission, presented })
      : await this.engine.decideGateway({
          token: body.token,
          method: body.method ?? 'GET',
          path: body.path ?? '/',
          presented,
        });
    const claims = this.claims(body.token);
    const rule = decision.ruleId ? this.matched(body.method ?? 'GET', body.path ?? '/') : undefined;
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
      rule: rule ? view(rule) : null,
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
      binding: binding(claims, presented, decision),
      condition:
        rule?.condition || decision.reason === 'condition_failed'
          ? condition(rule?.condition, decision)
          : null,
    };
  }

  /**
   * The presentation the body describes: the scheme, a DPoP proof for `url` (default: the
   * issuer with the path, or with /access/check), a client certificate. The proof's `jti` is
   * not spent: explaining a request does not use up the proof the real one needs.
   */
  private presentation(body: ExplainRequest, permission: boolean): Presentation {
    const issuer = this.config.issuer.replace(/\/$/, '');
    const path = permission ? '/access/check' : (body.path ?? '/');
    const certificate = body.client_certificate && derOfForwarded(body.client_certificate);
    return {
      scheme: body.scheme ?? 'Bearer',
      method: permission ? 'POST' : (body.method ?? 'GET'),
      dpop: () => body.dpop,
      url: () => body.url ?? `${issuer}${path}`,
      certificateThumbprint: () =>
        certificate ? new ClientCertificate(certificate, 'proxy').thumbprint() : undefined,
      spendsProof: false,
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

  private matched(method: string, path: string): CompiledRule | undefined {
    const { segments } = requestPath(path);
    return segments && this.state.matcher.match(method, segments);
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
      attributes: state.attributes,
    };
  }
}

/** The rule as the admin API names it: its condition by its source. */
function view({ condition, ...rule }: CompiledRule): object {
  return condition ? { ...rule, condition: condition.source } : rule;
}

/**
 * The rule's condition as the decision judged it: held, not held (and why), or null when the
 * decision stopped before it (conditions are judged last, after the token and the permission).
 */
function condition(ruleCondition: RuleCondition | undefined, decision: Decision): object {
  const held =
    decision.reason === 'allowed' ? true : decision.reason === 'condition_failed' ? false : null;
  return {
    // null: a role's condition on the permission failed; the problem names the role.
    source: ruleCondition?.source ?? null,
    held,
    problem: decision.conditionProblem ?? null,
  };
}

/** Reasons decided before the binding is looked at (docs/reason-codes.md, the order). */
const BEFORE_BINDING = new Set([
  'path_rejected',
  'no_matching_rule',
  'anonymous',
  'token_missing',
  'token_invalid',
  'token_expired',
]);

/**
 * The binding check (RFC 9449 §7, RFC 8705 §3) as the decision made it: null for a token without
 * `cnf` presented as Bearer; otherwise its `cnf`, the scheme, whether the proof held (null when
 * the decision stopped before) and, when not, why.
 */
function binding(
  claims: Record<string, unknown> | undefined,
  presented: Presentation,
  decision: Decision,
): object | null {
  const cnf = claims?.cnf;
  if (cnf === undefined && presented.scheme === 'Bearer') return null;
  const mismatch = decision.reason === 'binding_mismatch';
  return {
    cnf: cnf ?? null,
    scheme: presented.scheme,
    held: mismatch ? false : BEFORE_BINDING.has(decision.reason) ? null : true,
    problem: decision.bindingProblem ?? null,
  };
}
