import { Injectable } from '@nestjs/common';
import { errors, JWTPayload } from 'jose';
import { randomUUID } from 'node:crypto';
import { Subject } from '../../common/auth/subject-permissions';
import { AppConfig } from '../../config/app-config';
import { JwtService } from '../../crypto/jwt.service';
import { RevocationList } from '../../tokens/revocation-list.service';
import { requestPath } from '../rules/request-path';
import { AccessState, CompiledRule, SubjectState } from './access-state';
import { Decision, DecisionUnavailableError, DenyReason, pathRejected } from './decision';
import { VerifiedTokenCache } from './verified-token-cache';

export interface GatewayRequest {
  token?: string;
  method: string;
  path: string;
}

export interface PermissionRequest {
  token?: string;
  permission: string;
}

/**
 * A decision now, or later when it has to wait (a reload under way, a token not verified yet).
 * The engine never throws: a decision it cannot make is a rejected promise.
 */
export type DecisionAnswer = Decision | Promise<Decision>;

/** What a decision needs from a verified access token, read from it once. */
interface TokenFacts {
  sub: string;
  clientId: string;
  jti: string;
  scopes: string[];
  /** The scopes as one string, for the answer. */
  scope: string;
  aud: JWTPayload['aud'];
  iat: number;
  exp: number;
}

type Verified = { ok: true; facts: TokenFacts } | { ok: false; reason: DenyReason };

/** How long a decision waits for a reload under way before it answers 503. */
const RELOAD_WAIT_MS = 1000;

/**
 * The one decision engine (docs/access.md), pure and in memory: it verifies the token (a bounded
 * cache of verified tokens, never past `exp`), reads client and user status and role permissions
 * from AccessState, matches gateway rules, and answers allowed or one reason. It never touches
 * the database; while the state is unknown it rejects with DecisionUnavailableError (503),
 * never allows.
 *
 * Gateways ask on every API call, so a decision about a token already verified, with no reload
 * under way, is made synchronously: no promise, no trip through the microtask queue.
 */
@Injectable()
export class AccessDecisionService {
  private readonly verified = new VerifiedTokenCache<TokenFacts>(10_000, () => this.jwt.trustEpoch);

  constructor(
    private readonly state: AccessState,
    private readonly jwt: JwtService,
    private readonly revocations: RevocationList,
    private readonly config: AppConfig,
  ) {}

  /**
   * A request through a gateway: the most specific rule decides. A path that could mean
   * different things to us and to the upstream (request-path.ts) is refused before any rule,
   * anonymous ones included, sees it; that needs no state, so it is answered even without one.
   */
  decideGateway({ token, method, path }: GatewayRequest): DecisionAnswer {
    const parsed = requestPath(path);
    if (parsed.problem) return pathRejected(parsed.problem);
    return this.whenCurrent(() => this.gateway(token, method, parsed.segments));
  }

  /** `POST /access/check`: may the caller's token exercise `resource:action`? */
  decidePermission({ token, permission }: PermissionRequest): DecisionAnswer {
    return this.whenCurrent(() => this.tokenDecision(token, permission));
  }

  /** AuthZEN: does the subject hold the permission now? (The caller is authenticated apart.) */
  decideSubject(subject: Subject, permission: string): DecisionAnswer {
    return this.whenCurrent(() => {
      const state = this.state.subject(subject);
      if (!state?.active) return deny('subject_inactive', { permission });
      if (!this.state.permissionsOf(subject).has(permission))
        return deny('permission_denied', { permission });
      return { allowed: true, reason: 'allowed', decisionId: randomUUID(), permission };
    });
  }

  /**
   * What decisions rest on, for readiness: the access state and the revocation list, each loaded
   * and not since made doubtful by a gap in change notifications. Decisions answer 503 unless both.
   */
  readiness(): { accessState: boolean; revocationList: boolean } {
    return { accessState: this.state.known, revocationList: this.revocations.known };
  }

  private gateway(token: string | undefined, method: string, path: string[]): DecisionAnswer {
    const rule = this.state.matcher.match(method, path);
    if (!rule) return deny('no_matching_rule');
    if (rule.anonymous)
      return { allowed: true, reason: 'anonymous', decisionId: randomUUID(), ruleId: rule.id };
    return this.tokenDecision(token, rule.permission ?? undefined, rule);
  }

  private tokenDecision(
    token: string | undefined,
    permission: string | undefined,
    rule?: CompiledRule,
  ): DecisionAnswer {
    if (!token) return deny('token_missing', { permission, ruleId: rule?.id });
    const facts = this.verified.get(token, Date.now());
    if (facts) return this.judge(facts, permission, rule);
    return this.verify(token).then((verified) =>
      // The state may have become unknown while the signature was being checked.
      this.decideKnown(() =>
        verified.ok
          ? this.judge(verified.facts, permission, rule)
          : deny(verified.reason, { permission, ruleId: rule?.id }),
      ),
    );
  }

  /** The decision for a verified token, against the live state. */
  private judge(facts: TokenFacts, permission?: string, rule?: CompiledRule): Decision {
    const { sub, clientId, scopes, scope } = facts;
    const context = { permission, sub, clientId, scope, ruleId: rule?.id };
    if (rule?.audience && !audienceIncludes(facts.aud, rule.audience))
      return deny('token_invalid', context);
    if (this.revocations.isRevoked(facts.jti)) return deny('token_revoked', context);

    const client = this.state.clients.get(clientId);
    if (!client?.active) return deny('client_inactive', context);
    const subject: Subject =
      sub === clientId ? { type: 'client', id: clientId } : { type: 'user', id: sub };
    const user = subject.type === 'user' ? this.state.users.get(sub) : undefined;
    if (subject.type === 'user' && !user?.active) return deny('subject_inactive', context);
    if (issuedBefore(facts, client) || (user && issuedBefore(facts, user))) {
      return deny('token_revoked', context);
    }

    if (rule && rule.scopes.some((needed) => !scopes.includes(needed)))
      return deny('insufficient_scope', context);
    if (permission) {
      if (!scopes.includes(permission)) return deny('insufficient_scope', context);
      // docs/access.md: held now, not only when the token was issued.
      if (!this.state.permissionsOf(subject).has(permission))
        return deny('permission_denied', context);
    }
    return { allowed: true, reason: 'allowed', decisionId: randomUUID(), ...context };
  }

  /** Verifies a token not seen before (or past its cached `exp`) and caches what it says. */
  private async verify(token: string): Promise<Verified> {
    let payload: JWTPayload;
    const trustEpoch = this.jwt.trustEpoch;
    try {
      payload = await this.jwt.verify(token, {
        typ: 'at+jwt',
        algorithms: [this.config.keys.accessTokenAlgorithm],
      });
    } catch (error) {
      return {
        ok: false,
        reason: error instanceof errors.JWTExpired ? 'token_expired' : 'token_invalid',
      };
    }
    const facts = tokenFacts(payload);
    if (!facts) return { ok: false, reason: 'token_invalid' };
    this.verified.set(token, facts, trustEpoch);
    return { ok: true, facts };
  }

  /**
   * Runs `decide` once the state is current. docs/access.md: a change takes effect at once. A change
   * announced in this process (or heard from another) is being reloaded; wait for it, briefly:
   * past RELOAD_WAIT_MS the state is not trustworthy, and neither is an unknown one (503, never
   * a guess).
   */
  private whenCurrent(decide: () => DecisionAnswer): DecisionAnswer {
    const reloading = this.state.current();
    if (reloading) {
      return settlesWithin(reloading, RELOAD_WAIT_MS).then((settled) => {
        if (!settled) throw new DecisionUnavailableError();
        return this.decideKnown(decide);
      });
    }
    return this.decideKnown(decide);
  }

  /**
   * `decide`, if everything a decision rests on is known: the access state and the revocation
   * list (either is unknown from a lost notification connection until reloaded).
   */
  private decideKnown(decide: () => DecisionAnswer): DecisionAnswer {
    if (!this.state.known || !this.revocations.known) {
      return Promise.reject(new DecisionUnavailableError());
    }
    return decide();
  }
}

function deny(reason: DenyReason, context: Partial<Decision> = {}): Decision {
  return { allowed: false, reason, decisionId: randomUUID(), ...context };
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
  const scopes = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
  return { sub, clientId, jti, scopes, scope: scopes.join(' '), aud, iat: iat ?? 0, exp };
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

/** A disable after the token was issued ends it (iat has one-second resolution: fail closed). */
function issuedBefore(facts: TokenFacts, subject: SubjectState): boolean {
  return subject.tokensValidAfter !== null && facts.iat * 1000 <= subject.tokensValidAfter;
}
