import { Injectable, Optional } from '@nestjs/common';
import { Metrics } from '../../metrics/metrics';
import { decodeJwt, JWTPayload } from 'jose';
import { parseScope } from '../../common/auth/scope-syntax';
import { Subject } from '../../common/auth/subject-permissions';
import { AccessDecisionService, ConditionTrace } from '../engine/access-decision.service';
import { AccessState, CompiledRule } from '../engine/access-state';
import { ClientCertificate, derOfForwarded } from '../../common/http/client-certificate';
import { AppConfig } from '../../config/app-config';
import { Decision, Presentation } from '../engine/decision';
import { requestPath } from '../rules/request-path';
import { assertExplainShape } from './explain-shape';
import {
  ConditionView,
  ConsideredRuleView,
  Explanation,
  ExplainRequest,
  ExplainSubject,
  PermissionView,
  RuleView,
} from './explain.dto';

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
    @Optional() private readonly metrics: Metrics = Metrics.off(),
  ) {}

  /**
   * `{token, method, path}` is a gateway request, `{token, resource, action}` a permission; with
   * `subject` in place of `token`, what holds for that subject now (docs/access.md, "Explain a
   * decision").
   */
  async explain(body: ExplainRequest): Promise<Explanation> {
    assertExplainShape(body);
    const started = this.metrics.now();
    const explanation = body.subject
      ? await this.explainSubject(body, body.subject)
      : await this.explainToken(body);
    this.metrics.decision('explain', explanation.reason, started);
    return explanation;
  }

  private async explainToken(body: ExplainRequest): Promise<Explanation> {
    const permission = permissionOf(body);
    const presented = this.presentation(body, permission !== undefined);
    const { method, path } = gatewayRequest(body);
    const decision: Decision = permission
      ? await this.engine.decidePermission({ token: body.token, permission, presented })
      : await this.engine.decideGateway({ token: body.token, method, path, presented });
    const claims = this.claims(body.token);
    const considered = permission ? [] : this.considered(method, path);
    const decided = considered.find((candidate) => candidate.id === decision.ruleId);
    const rule = decisive(decided);
    const clientId = typeof claims?.client_id === 'string' ? claims.client_id : undefined;
    const sub = typeof claims?.sub === 'string' ? claims.sub : undefined;
    const subject: Subject | undefined =
      sub && clientId
        ? sub === clientId
          ? { type: 'client', id: clientId }
          : { type: 'user', id: sub }
        : undefined;
    const involved = permission ?? rule?.permission ?? undefined;
    // Conditions read the claims of a token that verified, as the decision did.
    const trace = this.trace(subject, involved, {
      claims: decision.sub !== undefined ? claims : undefined,
      gateway: rule && { rule, method, path },
    });
    const permissionView = this.permissionView(
      involved,
      trace,
      claims ? (scopesOf(claims) ?? []) : undefined,
    );
    return {
      allowed: decision.allowed,
      reason: decision.reason,
      decision_id: decision.decisionId,
      rule: decided ? view(decided) : null,
      rules: considered.map((candidate) => consideredView(candidate, decision)),
      permission: permissionView,
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
      condition: rule?.condition
        ? condition(rule.condition.source, decision, permissionView)
        : null,
    };
  }

  /**
   * What holds for a subject now, with no token (docs/decisions/0307-explain-by-subject.md):
   * for a permission, the AuthZEN decision about it; for a gateway request, the gateway's answer
   * without a token, and beside it the rules, the permission with each role and its condition,
   * and the rule's condition, all judged for the subject, with no token to read.
   */
  private async explainSubject(body: ExplainRequest, named: ExplainSubject): Promise<Explanation> {
    const permission = permissionOf(body);
    const { method, path } = gatewayRequest(body);
    const decision: Decision = permission
      ? await this.engine.decideSubject({ type: named.type, id: named.id }, permission)
      : await this.engine.decideGateway({ token: undefined, method, path });
    const resolution = named.type === 'user' ? this.state.resolveUser(named.id) : { id: named.id };
    const subject: Subject | undefined =
      typeof resolution === 'object' ? { type: named.type, id: resolution.id } : undefined;
    const considered = permission ? [] : this.considered(method, path);
    const decided = considered.find((candidate) => candidate.id === decision.ruleId);
    const rule = decisive(decided);
    const involved = permission ?? rule?.permission ?? undefined;
    const trace = this.trace(subject, involved, { gateway: rule && { rule, method, path } });
    return {
      allowed: decision.allowed,
      reason: decision.reason,
      decision_id: decision.decisionId,
      rule: decided ? view(decided) : null,
      rules: considered.map((candidate) => consideredView(candidate, decision)),
      permission: this.permissionView(involved, trace, undefined),
      token: null,
      client: null,
      subject:
        resolution === 'ambiguous'
          ? { type: named.type, id: named.id, known: false, ambiguous: true }
          : this.describe(subject ?? { type: named.type, id: named.id }),
      binding: null,
      condition: rule?.condition
        ? (trace?.rule ?? { source: rule.condition.source, held: null, problem: null })
        : null,
    };
  }

  /** Every rule for the method and path, most specific first; none for a refused path. */
  private considered(method: string, path: string): CompiledRule[] {
    const { segments } = requestPath(path);
    return segments ? this.state.matcher.matchAll(method, segments) : [];
  }

  /** The subject's roles and conditions, when the subject is known; undefined otherwise. */
  private trace(
    subject: Subject | undefined,
    permission: string | undefined,
    {
      claims,
      gateway,
    }: {
      claims?: JWTPayload;
      gateway?: { rule: CompiledRule; method: string; path: string };
    },
  ): ConditionTrace | undefined {
    if (!subject || !this.state.subject(subject)) return undefined;
    return this.engine.conditionTrace(subject, permission, claims, gateway);
  }

  /**
   * The permission involved, with every role of the subject that grants it; `held` null when no
   * subject is known, `in_scope` null without a token.
   */
  private permissionView(
    name: string | undefined,
    trace: ConditionTrace | undefined,
    scopes: string[] | undefined,
  ): PermissionView | null {
    if (!name) return null;
    return {
      name,
      in_scope: scopes ? scopes.includes(name) : null,
      held: trace ? trace.roles.some((role) => role.grants) : null,
      roles: trace?.roles ?? [],
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

/** The rule as the admin API shows it, its condition by its source (without created_at). */
function view(rule: CompiledRule): RuleView {
  return {
    id: rule.id,
    methods: rule.methods,
    path: rule.path,
    permission: rule.permission,
    scopes: rule.scopes,
    audience: rule.audience,
    anonymous: rule.anonymous,
    condition: rule.condition?.source ?? null,
  };
}

function consideredView(rule: CompiledRule, decision: Decision): ConsideredRuleView {
  return { ...view(rule), decided: rule.id === decision.ruleId };
}

/** The rule when it judges a subject: matched, and not anonymous. */
function decisive(rule: CompiledRule | undefined): CompiledRule | undefined {
  return rule && !rule.anonymous ? rule : undefined;
}

function permissionOf(body: ExplainRequest): string | undefined {
  return body.resource && body.action ? `${body.resource}:${body.action}` : undefined;
}

function gatewayRequest(body: ExplainRequest): { method: string; path: string } {
  return { method: body.method ?? 'GET', path: body.path ?? '/' };
}

function scopesOf(claims: JWTPayload): string[] | undefined {
  return typeof claims.scope === 'string' ? parseScope(claims.scope) : undefined;
}

/**
 * The rule's condition as the decision judged it: held, not held (and why), or null when the
 * decision stopped before it. Conditions are judged last, after the token and the permission, a
 * role's condition on the permission before the rule's: a condition_failed with the permission
 * not held is the role's.
 */
function condition(
  source: string,
  decision: Decision,
  permission: PermissionView | null,
): ConditionView {
  if (decision.reason === 'allowed') return { source, held: true, problem: null };
  if (decision.reason === 'condition_failed' && permission?.held !== false) {
    return { source, held: false, problem: decision.conditionProblem ?? null };
  }
  return { source, held: null, problem: null };
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
