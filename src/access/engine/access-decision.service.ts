import { Injectable, Optional } from '@nestjs/common';
import { Metrics } from '../../metrics/metrics';
import { errors, JWTPayload } from 'jose';
import { CHECK_SCOPE } from '../../common/auth/permissions';
import { parseScope } from '../../common/auth/scope-syntax';
import { Subject } from '../../common/auth/subject-permissions';
import { Clock } from '../../common/clock';
import { Ids } from '../../common/ids';
import { AppConfig } from '../../config/app-config';
import { JwtService } from '../../crypto/jwt.service';
import {
  checkDpopProof,
  DPOP_IAT_WINDOW_S,
  dpopHeader,
  InvalidDpopProofError,
} from '../../tokens/dpop/dpop-proof';
import { DpopReplayMemory } from '../../tokens/dpop/dpop-replay-memory';
import { RevocationList } from '../../tokens/revocation-list.service';
import { LivenessFacts, tokenLiveness, TokenStatusSources } from '../../tokens/token-liveness';
import { isClientsOwnToken } from '../../common/auth/token-subject';
import {
  CompiledCondition,
  ConditionActivation,
  ConditionMap,
  evaluate,
  fromJson,
} from '../conditions/condition';
import { requestPath } from '../rules/request-path';
import { pathParameters } from '../rules/route-matcher';
import { AccessState, CompiledRule, RuleCondition } from './access-state';
import {
  AskedFacts,
  Decision,
  DecisionUnavailableError,
  DenyReason,
  pathRejected,
  Presentation,
} from './decision';
import { VerifiedTokenCache } from './verified-token-cache';

export interface GatewayRequest {
  token?: string;
  method: string;
  path: string;
  /** How the token came, with its proof; without one, as Bearer with no proof. */
  presented?: Presentation;
}

export interface PermissionRequest {
  token?: string;
  permission: string;
  presented?: Presentation;
  /** The caller's context, for conditions. */
  context?: Record<string, unknown>;
}

/** `/access/check` naming the subject to decide about; the token is the caller's own. */
export interface NamedSubjectRequest extends PermissionRequest {
  /** The subject decided about (a user by id, username or email; a client by `client_id`). */
  about: Subject;
}

/** RFC 9449 §6, RFC 8705 §3.1: what a sender-constrained token's `cnf` binds it to. */
interface Binding {
  /** The DPoP key's thumbprint (`cnf.jkt`). */
  jkt?: string;
  /** The client certificate's thumbprint (`cnf["x5t#S256"]`). */
  x5t?: string;
  /** A `cnf` this server cannot check (another member, or not an object): never satisfied. */
  unknown?: boolean;
}

/** What a decision needs from a verified access token, read from it once. */
interface TokenFacts extends LivenessFacts {
  sub: string;
  clientId: string;
  jti: string;
  /** Whose permissions count (RFC 9068 §2.2: a client's own token, else its user's). */
  subject: Subject;
  scopes: string[];
  /** The scopes as one string, for the answer. */
  scope: string;
  aud: JWTPayload['aud'];
  exp: number;
  /** Only for a sender-constrained token (`cnf`). */
  binding?: Binding;
  /** Every claim, for conditions (`token.claims`). */
  claims: JWTPayload;
}

/** What a signature check of a token says. */
type VerifyOutcome = TokenFacts | 'token_invalid' | 'token_expired';

/** Whom a condition judges: the subject, and the token's claims when a token was presented. */
interface Judged {
  subject: Subject;
  claims?: JWTPayload;
}

/** The gateway request a rule's condition judges (`request`). */
interface RequestFacts {
  method: string;
  /** As received: the query is read from it only when a condition asks. */
  uri: string;
  /** requestPath's decoded segments. */
  segments: readonly string[];
}

/** A token that verified, presented without the proof its `cnf` asks for (binding_mismatch). */
class BindingMismatch {
  constructor(
    readonly problem: string,
    readonly dpopBound: boolean,
  ) {}
}

/**
 * What is known of the presented token: its facts once verified, or why it gets no further
 * (none presented, or it failed verification).
 */
type TokenVerdict =
  TokenFacts | BindingMismatch | 'token_missing' | 'token_invalid' | 'token_expired';

/** Bearer with no proof: the only presentation a token without `cnf` passes with. */
const BEARER_ONLY: Presentation = {
  scheme: 'Bearer',
  dpop: () => undefined,
  method: 'GET',
  url: () => undefined,
  certificateThumbprint: () => undefined,
};

/** How long a decision waits for a reload under way before it answers 503. */
const RELOAD_WAIT_MS = 1000;

/**
 * The one decision engine (docs/access.md), pure and in memory: it verifies the token (a
 * bounded cache of verified tokens, never past `exp`), judges it live (token-liveness.ts) from
 * AccessState and the revocation list, reads role permissions, matches gateway rules, and answers
 * allowed or one reason. It never touches the database; while the state is unknown it answers
 * DecisionUnavailableError (503), never allows.
 *
 * Each kind of question is asked in one of two ways:
 * - `decide…Now` answers in the same tick when memory suffices: a token verified before (or
 *   none needed), the state known and no reload under way. Gateways ask on every API call and
 *   that is the usual case: no promise, no trip through the microtask queue. It answers
 *   undefined when the decision has to wait, and never throws.
 * - `decide…` always answers with a promise: it waits for a reload under way and verifies a new
 *   token, and rejects with DecisionUnavailableError when the server cannot tell.
 * A hot route asks `decide…Now` and, on undefined, `decide…`; a deny is a Decision either way.
 */
@Injectable()
export class AccessDecisionService {
  private readonly verified: VerifiedTokenCache<TokenFacts>;
  /** Signature checks under way, by token (verify): at most one per token at a time. */
  private readonly verifying = new Map<string, Promise<VerifyOutcome>>();
  /** DPoP proofs accepted by this process (docs/decisions/0302-dpop-replay-in-memory-for-decisions.md). */
  private readonly proofs = new DpopReplayMemory();
  /** Token liveness reads client and user status from the access state. */
  private readonly status: TokenStatusSources;

  constructor(
    private readonly state: AccessState,
    private readonly jwt: JwtService,
    private readonly revocations: RevocationList,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly ids: Ids,
    @Optional() metrics: Metrics = Metrics.off(),
  ) {
    this.verified = new VerifiedTokenCache<TokenFacts>(
      10_000,
      () => this.jwt.trustEpoch,
      metrics.cacheLookups('verified_token'),
    );
    this.status = {
      isRevoked: (jti) => revocations.isRevoked(jti),
      client: (clientId) => state.clients.get(clientId),
      user: (userId) => state.users.get(userId),
    };
  }

  /**
   * A request through a gateway: the most specific rule decides. A path that could mean
   * different things to us and to the upstream (request-path.ts) is refused before any rule,
   * anonymous ones included, sees it; that needs no state, so it is answered even without one.
   */
  decideGatewayNow(asked: GatewayRequest): Decision | undefined {
    const { token, method, path, presented } = asked;
    const parsed = requestPath(path);
    if (parsed.problem) return pathRejected(parsed.problem, this.ids.uuid());
    if (!this.settled()) return undefined;
    const rule = this.state.matcher.match(method, parsed.segments);
    if (!needsToken(rule)) return this.gateway(rule, undefined);
    const verdict = this.cachedVerdict(token, presented);
    if (verdict === undefined) return undefined;
    return this.gateway(rule, verdict, { method, uri: path, segments: parsed.segments }, asked);
  }

  async decideGateway(asked: GatewayRequest): Promise<Decision> {
    const { token, method, path, presented } = asked;
    const parsed = requestPath(path);
    if (parsed.problem) return pathRejected(parsed.problem, this.ids.uuid());
    await this.whenSettled();
    const rule = this.state.matcher.match(method, parsed.segments);
    const verdict = needsToken(rule) ? await this.verdict(token, presented) : undefined;
    this.assertKnown();
    return this.gateway(rule, verdict, { method, uri: path, segments: parsed.segments }, asked);
  }

  /**
   * `POST /access/check`: may the caller's token exercise `resource:action`? Conditions see the
   * caller's `context` and the address the check came from (`asked.presented`).
   */
  decidePermissionNow(asked: PermissionRequest): Decision | undefined {
    if (!this.settled()) return undefined;
    const verdict = this.cachedVerdict(asked.token, asked.presented);
    return verdict === undefined
      ? undefined
      : this.judge(verdict, asked.permission, undefined, undefined, asked);
  }

  async decidePermission(asked: PermissionRequest): Promise<Decision> {
    await this.whenSettled();
    const verdict = await this.verdict(asked.token, asked.presented);
    this.assertKnown();
    return this.judge(verdict, asked.permission, undefined, undefined, asked);
  }

  /**
   * `POST /access/check` naming a subject: the caller's own token must pass every check a token
   * passes at `/access/check` (it verifies, is live, and is presented as its binding asks) and
   * carry `iam:check` backed now; then the decision is about the named subject, exactly as
   * decideSubject makes it (docs/access.md, "Three surfaces"). A caller that fails is denied
   * with its own token's reason, or `insufficient_scope`: nothing is decided about the subject.
   */
  decideNamedNow(asked: NamedSubjectRequest): Decision | undefined {
    if (!this.settled()) return undefined;
    const verdict = this.cachedVerdict(asked.token, asked.presented);
    return verdict === undefined ? undefined : this.named(verdict, asked);
  }

  async decideNamed(asked: NamedSubjectRequest): Promise<Decision> {
    await this.whenSettled();
    const verdict = await this.verdict(asked.token, asked.presented);
    this.assertKnown();
    return this.named(verdict, asked);
  }

  /** decideNamed once the caller's token is known. */
  private named(verdict: TokenVerdict, asked: NamedSubjectRequest): Decision {
    const permission = asked.permission;
    // The caller's token as /access/check judges it: verified, presented as bound, live.
    if (typeof verdict === 'string' || verdict instanceof BindingMismatch) {
      return { ...this.judge(verdict), permission };
    }
    const caller = { sub: verdict.sub, clientId: verdict.clientId };
    const liveness = tokenLiveness(verdict, this.status);
    // About nobody: the answer names neither the caller nor the subject.
    if (liveness !== 'live') return this.deny(liveness, { permission, caller });
    if (!this.checksNow(verdict)) return this.deny('insufficient_scope', { permission, caller });
    const decision = this.subjectDecision(asked.about, permission, asked);
    return { ...decision, ...this.decidedAbout(asked.about), caller };
  }

  /**
   * Whether the token's `iam:check` counts now (docs/security/privilege.md): in its scope, its
   * client still registered for it, and a user's token's user still holding it through a role.
   */
  private checksNow(facts: TokenFacts): boolean {
    if (!facts.scopes.includes(CHECK_SCOPE)) return false;
    if (!this.state.clients.get(facts.clientId)?.gatehouseScopes?.includes(CHECK_SCOPE))
      return false;
    return (
      facts.subject.type === 'client' || this.state.permissionsOf(facts.subject).has(CHECK_SCOPE)
    );
  }

  /**
   * Whom an `/access/check` answer names for a decision about `subject`: a user by its id (as
   * resolved from a username or email; none when the name fits no user or several), a client by
   * its `client_id`, as both `sub` and `client_id`.
   */
  private decidedAbout(subject: Subject): Pick<Decision, 'sub' | 'clientId'> {
    if (subject.type === 'client') return { sub: subject.id, clientId: subject.id };
    const resolved = this.state.resolveUser(subject.id);
    return typeof resolved === 'object' ? { sub: resolved.id } : {};
  }

  /**
   * AuthZEN: does the subject hold the permission now? (The caller is authenticated apart.) A
   * role's condition on the permission sees what the request says (`asked`: properties, context,
   * the caller's address).
   */
  async decideSubject(subject: Subject, permission: string, asked?: AskedFacts): Promise<Decision> {
    await this.whenSettled();
    return this.subjectDecision(subject, permission, asked);
  }

  /** decideSubject's answer once the state is settled: synchronous, from memory. */
  private subjectDecision(subject: Subject, permission: string, asked?: AskedFacts): Decision {
    let named = subject;
    if (subject.type === 'user') {
      // docs/access.md, Subjects by name: an id, a username or an email, from memory.
      const resolved = this.state.resolveUser(subject.id);
      if (resolved === 'ambiguous') return this.deny('permission_denied', { permission });
      if (resolved === 'unknown') return this.deny('subject_inactive', { permission });
      named = { type: 'user', id: resolved.id };
    }
    const denial = this.subjectDenial(named, permission, asked);
    if (denial) return this.deny(denial.reason, { permission, ...denial.details });
    return { allowed: true, reason: 'allowed', decisionId: this.ids.uuid(), permission };
  }

  /**
   * Why the subject does not hold the permission now (decideSubject's answer, without waiting for
   * reloads or making a decision id), or undefined when it does. The AuthZEN searches list only
   * what this allows, so that every result evaluates to true.
   */
  subjectDenial(
    subject: Subject,
    permission: string,
    asked?: AskedFacts,
  ): { reason: DenyReason; details?: { conditionProblem: string } } | undefined {
    if (!this.state.subject(subject)?.active) return { reason: 'subject_inactive' };
    if (!this.state.permissionsOf(subject).has(permission)) return { reason: 'permission_denied' };
    // A role's condition on the permission (docs/access.md, "Conditions"): no token, no request.
    if (this.state.conditionedPermissions.has(permission)) {
      const problem = this.roleConditionProblem(
        { subject },
        permission,
        undefined,
        undefined,
        asked,
      );
      if (problem) return { reason: 'condition_failed', details: { conditionProblem: problem } };
    }
    return undefined;
  }

  /**
   * What decisions rest on, for readiness: the access state and the revocation list, each loaded
   * and not since made doubtful by a gap in change notifications. Decisions answer 503 unless both.
   */
  readiness(): { accessState: boolean; revocationList: boolean } {
    return { accessState: this.state.known, revocationList: this.revocations.known };
  }

  /** The gateway decision once the rule is matched and, if it needs one, the token known. */
  private gateway(
    rule: CompiledRule | undefined,
    verdict: TokenVerdict | undefined,
    request?: RequestFacts,
    asked?: AskedFacts,
  ): Decision {
    if (!rule) return this.deny('no_matching_rule');
    if (rule.anonymous)
      return { allowed: true, reason: 'anonymous', decisionId: this.ids.uuid(), ruleId: rule.id };
    return this.judge(verdict!, rule.permission ?? undefined, rule, request, asked);
  }

  /** The decision for a token, against the live state. */
  private judge(
    verdict: TokenVerdict,
    permission?: string,
    rule?: CompiledRule,
    request?: RequestFacts,
    asked?: AskedFacts,
  ): Decision {
    if (typeof verdict === 'string') return this.deny(verdict, { permission, ruleId: rule?.id });
    if (verdict instanceof BindingMismatch) {
      return this.deny('binding_mismatch', {
        permission,
        ruleId: rule?.id,
        bindingProblem: verdict.problem,
        ...(verdict.dpopBound ? { dpopBound: true } : {}),
      });
    }
    const { sub, clientId, scopes, scope } = verdict;
    const context = { permission, sub, clientId, scope, ruleId: rule?.id };
    if (rule?.audience && !audienceIncludes(verdict.aud, rule.audience))
      return this.deny('token_invalid', context);
    const liveness = tokenLiveness(verdict, this.status);
    if (liveness !== 'live') return this.deny(liveness, context);

    if (rule && rule.scopes.some((needed) => !scopes.includes(needed)))
      return this.deny('insufficient_scope', context);
    if (permission) {
      if (!scopes.includes(permission)) return this.deny('insufficient_scope', context);
      // docs/access.md: held now, not only when the token was issued.
      if (!this.state.permissionsOf(verdict.subject).has(permission))
        return this.deny('permission_denied', context);
    }
    // Only a permission some role grants on a condition pays for it: one lookup for the others.
    if (permission && this.state.conditionedPermissions.has(permission)) {
      const problem = this.roleConditionProblem(verdict, permission, rule, request, asked);
      if (problem) return this.deny('condition_failed', { ...context, conditionProblem: problem });
    }
    // Only a rule with a condition pays for it: the others never get here with one.
    if (rule?.condition) {
      const problem = this.conditionProblem(
        rule.condition,
        verdict,
        rule,
        request,
        permission,
        asked,
      );
      if (problem) return this.deny('condition_failed', { ...context, conditionProblem: problem });
    }
    return { allowed: true, reason: 'allowed', decisionId: this.ids.uuid(), ...context };
  }

  /**
   * Why the rule's condition does not hold (false, or it failed: fail closed), or undefined when
   * it is exactly true. Synchronous: evaluated in the decision's own tick.
   */
  private conditionProblem(
    condition: RuleCondition,
    facts: Judged,
    rule: CompiledRule | undefined,
    request: RequestFacts | undefined,
    permission: string | undefined,
    asked: AskedFacts | undefined,
  ): string | undefined {
    if (!condition.compiled) return condition.problem ?? 'not compiled';
    const activation = this.activation(condition.compiled, rule, facts, request, permission, asked);
    const outcome = evaluate(condition.compiled, activation);
    return outcome.ok ? undefined : outcome.reason;
  }

  /**
   * Whether the subject holds `permission` through some role unconditionally, or through one
   * whose condition for it is true; otherwise why not, role by role.
   */
  private roleConditionProblem(
    facts: Judged,
    permission: string,
    rule: CompiledRule | undefined,
    request: RequestFacts | undefined,
    asked: AskedFacts | undefined,
  ): string | undefined {
    const problems: string[] = [];
    for (const role of this.state.subject(facts.subject)?.roles ?? []) {
      if (!this.state.roles.get(role)?.has(permission)) continue;
      const condition = this.state.roleConditions.get(role)?.get(permission);
      if (!condition) return undefined;
      const problem = this.conditionProblem(condition, facts, rule, request, permission, asked);
      if (!problem) return undefined;
      problems.push(`role ${role}: ${problem}`);
    }
    return problems.length > 0 ? problems.join('; ') : 'no role grants it';
  }

  /**
   * What a condition sees (docs/access.md, "Conditions"), built only when one is evaluated. What
   * the asker sent is copied as a condition reads it (fromJson): a `__proto__` or `constructor`
   * key is data like any other, and the asker's own objects are never changed.
   */
  private activation(
    condition: CompiledCondition,
    rule: CompiledRule | undefined,
    facts: Judged,
    request: RequestFacts | undefined,
    permission: string | undefined,
    asked: AskedFacts | undefined,
  ): ConditionActivation {
    const reads = condition.reads;
    const activation: ConditionActivation = {};
    if (reads.has('subject')) activation.subject = this.subjectOf(facts.subject, asked);
    if (reads.has('context')) activation.context = this.contextOf(asked);
    if (facts.claims && reads.has('token')) activation.token = { claims: facts.claims };
    if (permission && (reads.has('resource') || reads.has('action'))) {
      const colon = permission.indexOf(':');
      const resource: NonNullable<ConditionActivation['resource']> = {
        type: permission.slice(0, colon),
      };
      if (asked?.resource?.id !== undefined) resource.id = asked.resource.id;
      if (asked?.resource?.properties) {
        resource.properties = fromJson(asked.resource.properties) as ConditionMap;
      }
      const action: NonNullable<ConditionActivation['action']> = {
        name: permission.slice(colon + 1),
      };
      if (asked?.action?.properties) {
        action.properties = fromJson(asked.action.properties) as ConditionMap;
      }
      activation.resource = resource;
      activation.action = action;
    }
    if (request && reads.has('request')) {
      // Null prototypes: a parameter named __proto__ is data like any other.
      const params: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [name, index] of rule?.condition?.params ?? pathParameters(rule?.path ?? '/')) {
        params[name] = request.segments[index];
      }
      activation.request = {
        method: request.method.toUpperCase(),
        path: `/${request.segments.join('/')}`,
        params,
        query: queryOf(request.uri),
      };
    }
    return activation;
  }

  /** `subject`: who is judged, with what the asker says of it kept apart from its attributes. */
  private subjectOf(
    subject: Subject,
    asked: AskedFacts | undefined,
  ): NonNullable<ConditionActivation['subject']> {
    const held = this.state.subject(subject);
    const judged: NonNullable<ConditionActivation['subject']> = {
      id: subject.id,
      type: subject.type,
      roles: held?.roles ?? [],
      // Admin-set (docs/access.md, Attributes): frozen, shared, never copied per decision.
      attributes: held?.attributes ?? {},
    };
    // A user's; a client has neither, and a condition reading them fails (deny).
    if (held?.username !== undefined) judged.username = held.username;
    if (held?.email !== undefined) judged.email = held.email;
    if (asked?.subject?.properties) {
      judged.properties = fromJson(asked.subject.properties) as ConditionMap;
    }
    return judged;
  }

  /**
   * `context`: the caller's, with the server's facts over it (docs/decisions/0306-server-facts-
   * override-caller-context.md): `time` always, `address` where the request's address is known.
   * A caller's `address` never stands in for an unknown one: it is dropped.
   */
  private contextOf(asked: AskedFacts | undefined): ConditionMap {
    const context = asked?.context
      ? (fromJson(asked.context) as Map<string, unknown>)
      : new Map<string, unknown>();
    context.set('time', new Date(this.clock.now()));
    const address = asked?.address ?? asked?.presented?.address?.();
    if (address === undefined) context.delete('address');
    else context.set('address', address);
    return context;
  }

  /** A deny for `reason`, with a decision id of its own (docs/reason-codes.md). */
  private deny(reason: DenyReason, context: Partial<Decision> = {}): Decision {
    return { allowed: false, reason, decisionId: this.ids.uuid(), ...context };
  }

  /**
   * The verdict memory holds on `token` as presented, or undefined when the token has to be
   * verified first.
   */
  private cachedVerdict(
    token: string | undefined,
    presented: Presentation = BEARER_ONLY,
  ): TokenVerdict | undefined {
    if (!token) return 'token_missing';
    const facts = this.verified.get(token, this.clock.now());
    return facts && this.held(facts, token, presented);
  }

  private async verdict(
    token: string | undefined,
    presented: Presentation = BEARER_ONLY,
  ): Promise<TokenVerdict> {
    if (!token) return 'token_missing';
    // The synchronous path (cachedVerdict) has counted this lookup already.
    const verdict = this.verified.again(token, this.clock.now()) ?? (await this.verify(token));
    if (typeof verdict === 'string') return verdict;
    return this.held(verdict, token, presented);
  }

  /**
   * Whether the token is presented as its `cnf` asks (RFC 9449 §7, RFC 8705 §3): the facts when
   * it is, a mismatch when it is not. A token without `cnf` costs one comparison: it passes as
   * Bearer only. Synchronous: a DPoP proof costs one signature check, in the same tick.
   */
  private held(facts: TokenFacts, token: string, presented: Presentation): TokenVerdict {
    const binding = facts.binding;
    if (binding === undefined) {
      if (presented.scheme === 'Bearer') return facts;
      // RFC 9449 §7.1: the DPoP scheme is for DPoP-bound tokens.
      return new BindingMismatch('a token without cnf presented with the DPoP scheme', false);
    }
    const dpopBound = binding.jkt !== undefined;
    if (binding.unknown) return new BindingMismatch('a cnf this server cannot check', dpopBound);
    if (binding.x5t !== undefined) {
      const presentedCertificate = presented.certificateThumbprint();
      if (presentedCertificate === undefined) {
        return new BindingMismatch('no client certificate', dpopBound);
      }
      if (presentedCertificate !== binding.x5t) {
        return new BindingMismatch('another client certificate', dpopBound);
      }
    }
    if (!dpopBound) {
      return presented.scheme === 'Bearer'
        ? facts
        : new BindingMismatch('a certificate-bound token presented with the DPoP scheme', false);
    }
    // RFC 9449 §7.2: a DPoP-bound token is no Bearer token.
    if (presented.scheme !== 'DPoP')
      return new BindingMismatch('DPoP-bound, presented as Bearer', true);
    return this.proven(facts, token, presented);
  }

  /**
   * RFC 9449 §7.1: the DPoP proof of the request, checked by the one proof check
   * (checkDpopProof) against the original method and URL and the token (`ath`), by the key the
   * token is bound to, its `jti` not seen before in this process.
   */
  private proven(facts: TokenFacts, token: string, presented: Presentation): TokenVerdict {
    const refused = (problem: string) => new BindingMismatch(problem, true);
    try {
      const proof = dpopHeader({ headers: { dpop: presented.dpop() } });
      if (proof === undefined) return refused('no DPoP proof');
      const url = presented.url();
      if (url === undefined) return refused('the original URL cannot be told');
      const nowS = Math.floor(this.clock.now() / 1000);
      const windowS = this.config.dpopDecisionWindow ?? DPOP_IAT_WINDOW_S;
      const checked = checkDpopProof(
        proof,
        { method: presented.method, htu: url, accessToken: token },
        nowS,
        windowS,
      );
      if (checked.jkt !== facts.binding?.jkt) {
        return refused('the proof key is not the one the token is bound to');
      }
      if (
        presented.spendsProof !== false &&
        !this.proofs.firstUse(checked.jkt, checked.jti, checked.iat, nowS, windowS)
      ) {
        return refused('jti replayed');
      }
      return facts;
    } catch (error) {
      if (error instanceof InvalidDpopProofError) return refused(error.detail ?? error.message);
      throw error;
    }
  }

  /**
   * Verifies a token not seen before (or past its cached `exp`): requests that bring the same new
   * token while its signature is being checked wait for that one check instead of each making
   * their own (a client's burst of calls with a fresh token, at 50 connections, made 50).
   */
  private verify(token: string): Promise<VerifyOutcome> {
    let pending = this.verifying.get(token);
    if (pending === undefined) {
      pending = this.verifyOnce(token).finally(() => this.verifying.delete(token));
      this.verifying.set(token, pending);
    }
    return pending;
  }

  /** One signature check of `token`, and what it says cached. */
  private async verifyOnce(token: string): Promise<VerifyOutcome> {
    let payload: JWTPayload;
    const trustEpoch = this.jwt.trustEpoch;
    try {
      payload = await this.jwt.verify(token, {
        typ: 'at+jwt',
        algorithms: [this.config.keys.accessTokenAlgorithm],
      });
    } catch (error) {
      return error instanceof errors.JWTExpired ? 'token_expired' : 'token_invalid';
    }
    const facts = tokenFacts(payload);
    if (!facts) return 'token_invalid';
    this.verified.set(token, facts, trustEpoch);
    return facts;
  }

  /** Whether a decision can be made from memory now: everything known, no reload under way. */
  private settled(): boolean {
    return this.state.known && this.revocations.known && this.state.current() === undefined;
  }

  /**
   * Resolves once the state is current. docs/access.md: a change takes effect at once. A
   * change announced in this process (or heard from another) is being reloaded; wait for it,
   * briefly: past RELOAD_WAIT_MS the state is not trustworthy, and neither is an unknown one
   * (DecisionUnavailableError, 503, never a guess).
   */
  async whenSettled(): Promise<void> {
    const reloading = this.state.current();
    if (reloading && !(await settlesWithin(reloading, RELOAD_WAIT_MS))) {
      throw new DecisionUnavailableError(this.ids.uuid());
    }
    this.assertKnown();
  }

  /**
   * Everything a decision rests on is known: the access state and the revocation list (either is
   * unknown from a lost notification connection until reloaded). Checked again after verifying a
   * new token: the state may have become unknown meanwhile.
   */
  private assertKnown(): void {
    if (!this.state.known || !this.revocations.known)
      throw new DecisionUnavailableError(this.ids.uuid());
  }

  /**
   * The conditions a decision about `subject` would judge, each on its own (the explain
   * endpoint, docs/access.md): every role of the subject that grants `permission`, with its
   * condition, and the gateway rule's condition. Judged as a decision judges them: with the
   * token's claims when given (none: `token.*` is missing, so a condition reading it fails), and
   * at a gateway with the request and the rule's `{name}` segments. Never on a decision's path.
   */
  conditionTrace(
    subject: Subject,
    permission: string | undefined,
    claims?: JWTPayload,
    gateway?: { rule: CompiledRule; method: string; path: string },
  ): ConditionTrace {
    const facts: Judged = claims ? { subject, claims } : { subject };
    const segments = gateway && requestPath(gateway.path).segments;
    const rule = gateway?.rule;
    const request = segments && { method: gateway.method, uri: gateway.path, segments };
    const judged = (condition: RuleCondition): ConditionOutcome => {
      // Explain has no caller's context: `context` holds only the server's time.
      const problem = this.conditionProblem(condition, facts, rule, request, permission, undefined);
      return { source: condition.source, held: problem === undefined, problem: problem ?? null };
    };
    const roles: RoleGrant[] = [];
    if (permission) {
      for (const role of this.state.subject(subject)?.roles ?? []) {
        if (!this.state.roles.get(role)?.has(permission)) continue;
        const condition = this.state.roleConditions.get(role)?.get(permission);
        const outcome = condition ? judged(condition) : null;
        roles.push({ role, grants: outcome?.held ?? true, condition: outcome });
      }
    }
    return { roles, rule: rule?.condition ? judged(rule.condition) : null };
  }
}

/** A condition as judged on its own: held (exactly true) or why not. */
export interface ConditionOutcome {
  source: string;
  held: boolean;
  problem: string | null;
}

/** One role's part in a subject's holding of a permission. */
export interface RoleGrant {
  role: string;
  /** Whether this role grants the permission now: without a condition, or its condition held. */
  grants: boolean;
  condition: ConditionOutcome | null;
}

/** AccessDecisionService.conditionTrace's answer. */
export interface ConditionTrace {
  roles: RoleGrant[];
  /** The gateway rule's condition, when it has one. */
  rule: ConditionOutcome | null;
}

/** Whether the rule judges a token: one matched, and not anonymous. */
function needsToken(rule: CompiledRule | undefined): rule is CompiledRule {
  return rule !== undefined && !rule.anonymous;
}

/** The claims a decision rests on, or undefined when the token lacks one (token_invalid). */
function tokenFacts(payload: JWTPayload): TokenFacts | undefined {
  const { sub, client_id: clientId, scope, jti, aud, iat, exp } = payload;
  if (
    typeof sub !== 'string' ||
    typeof clientId !== 'string' ||
    typeof jti !== 'string' ||
    typeof exp !== 'number'
  ) {
    return undefined;
  }
  const scopes = typeof scope === 'string' ? (parseScope(scope) ?? []) : [];
  const binding = payload.cnf === undefined ? undefined : bindingOf(payload.cnf);
  const ids = { sub, clientId };
  const subject: Subject = isClientsOwnToken(ids)
    ? { type: 'client', id: clientId }
    : { type: 'user', id: sub };
  return {
    ...ids,
    jti,
    subject,
    scopes,
    scope: scopes.join(' '),
    aud,
    issuedMs: (iat ?? 0) * 1000,
    exp,
    ...(binding ? { binding } : {}),
    claims: payload,
  };
}

/** The query's parameters (the first value of each), for `request.query`. */
function queryOf(uri: string): Record<string, string> {
  const mark = uri.indexOf('?');
  const query: Record<string, string> = Object.create(null) as Record<string, string>;
  if (mark < 0) return query;
  for (const [name, value] of new URLSearchParams(uri.slice(mark + 1).split('#', 1)[0])) {
    if (!Object.hasOwn(query, name)) query[name] = value;
  }
  return query;
}

/**
 * What `cnf` binds the token to (RFC 7800 §3.1): `jkt` (RFC 9449 §6.1), `x5t#S256`
 * (RFC 8705 §3.1), or something this server cannot check, which no presentation satisfies.
 */
function bindingOf(cnf: unknown): Binding {
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) return { unknown: true };
  const binding: Binding = {};
  for (const [member, value] of Object.entries(cnf)) {
    if (member === 'jkt' && typeof value === 'string') binding.jkt = value;
    else if (member === 'x5t#S256' && typeof value === 'string') binding.x5t = value;
    else binding.unknown = true;
  }
  if (binding.jkt === undefined && binding.x5t === undefined) binding.unknown = true;
  return binding;
}

/** Whether `work` settles within `ms` (it never rejects: reloads are tracked settled). */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    work.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return settled;
}

function audienceIncludes(aud: JWTPayload['aud'], wanted: string): boolean {
  return Array.isArray(aud) ? aud.includes(wanted) : aud === wanted;
}
