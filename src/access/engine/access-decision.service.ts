import { Injectable } from '@nestjs/common';
import { errors, JWTPayload } from 'jose';
import { randomUUID } from 'node:crypto';
import { Subject } from '../../common/auth/subject-permissions';
import { AppConfig } from '../../config/app-config';
import { JwtService } from '../../crypto/jwt.service';
import { RevocationList } from '../../tokens/revocation-list.service';
import { AccessState, CompiledRule, SubjectState } from './access-state';
import { Decision, DecisionUnavailableError, DenyReason } from './decision';
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

interface TokenFacts {
  payload: JWTPayload;
  sub: string;
  clientId: string;
  scopes: string[];
}

/** How long a decision waits for a reload under way before it answers 503. */
const RELOAD_WAIT_MS = 1000;

type Verified =
  { ok: true; facts: TokenFacts } | { ok: false; reason: DenyReason; facts?: TokenFacts };

/**
 * The one decision engine (CONTRACT §4), pure and in memory: it verifies the token (a bounded
 * cache of verified tokens, never past `exp`), reads client and user status and role permissions
 * from AccessState, matches gateway rules, and answers allowed or one reason. It never touches
 * the database; while the state is unknown it throws DecisionUnavailableError (503), never allows.
 */
@Injectable()
export class AccessDecisionService {
  private readonly verified = new VerifiedTokenCache();

  constructor(
    private readonly state: AccessState,
    private readonly jwt: JwtService,
    private readonly revocations: RevocationList,
    private readonly config: AppConfig,
  ) {}

  /** A request through a gateway: the most specific rule decides. */
  async decideGateway({ token, method, path }: GatewayRequest): Promise<Decision> {
    await this.current();
    const rule = this.state.matcher.match(method, path);
    if (!rule) return this.deny('no_matching_rule');
    if (rule.anonymous)
      return { allowed: true, reason: 'anonymous', decisionId: randomUUID(), ruleId: rule.id };
    const decision = await this.decideToken(token, rule.permission ?? undefined, rule);
    return { ...decision, ruleId: rule.id };
  }

  /** `POST /access/check`: may the caller's token exercise `resource:action`? */
  async decidePermission({ token, permission }: PermissionRequest): Promise<Decision> {
    await this.current();
    return this.decideToken(token, permission);
  }

  /** AuthZEN: does the subject hold the permission now? (The caller is authenticated apart.) */
  async decideSubject(subject: Subject, permission: string): Promise<Decision> {
    await this.current();
    const state = this.state.subject(subject);
    if (!state?.active) return this.deny('subject_inactive', { permission });
    if (!this.state.permissionsOf(subject).has(permission))
      return this.deny('permission_denied', { permission });
    return { allowed: true, reason: 'allowed', decisionId: randomUUID(), permission };
  }

  /** Whether decisions can be made now (for readiness). */
  get ready(): boolean {
    return this.state.known;
  }

  private async decideToken(
    token: string | undefined,
    permission?: string,
    rule?: CompiledRule,
  ): Promise<Decision> {
    if (!token) return this.deny('token_missing', { permission });
    const verified = await this.verify(token, rule?.audience ?? undefined);
    const facts = verified.facts;
    const context = {
      permission,
      sub: facts?.sub,
      clientId: facts?.clientId,
      scope: facts?.scopes.join(' '),
    };
    if (!verified.ok) return this.deny(verified.reason, context);
    const { sub, clientId, scopes, payload } = verified.facts;

    const client = this.state.clients.get(clientId);
    if (!client?.active) return this.deny('client_inactive', context);
    const subject: Subject =
      sub === clientId ? { type: 'client', id: clientId } : { type: 'user', id: sub };
    const user = subject.type === 'user' ? this.state.users.get(sub) : undefined;
    if (subject.type === 'user' && !user?.active) return this.deny('subject_inactive', context);
    if (issuedBefore(payload, client) || (user && issuedBefore(payload, user))) {
      return this.deny('token_revoked', context);
    }

    if (rule && rule.scopes.some((scope) => !scopes.includes(scope)))
      return this.deny('insufficient_scope', context);
    if (permission) {
      if (!scopes.includes(permission)) return this.deny('insufficient_scope', context);
      // CONTRACT §4: held now, not only when the token was issued.
      if (!this.state.permissionsOf(subject).has(permission))
        return this.deny('permission_denied', context);
    }
    return { allowed: true, reason: 'allowed', decisionId: randomUUID(), ...context };
  }

  private async verify(token: string, audience: string | undefined): Promise<Verified> {
    let payload = this.verified.get(token, Date.now());
    if (!payload) {
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
      this.verified.set(token, payload);
    }
    const { sub, client_id: clientId, scope, jti } = payload;
    if (typeof sub !== 'string' || typeof clientId !== 'string' || typeof jti !== 'string') {
      return { ok: false, reason: 'token_invalid' };
    }
    const facts = {
      payload,
      sub,
      clientId,
      scopes: typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [],
    };
    if (audience !== undefined && !audienceIncludes(payload.aud, audience)) {
      return { ok: false, reason: 'token_invalid', facts };
    }
    if (this.revocations.isRevoked(jti)) return { ok: false, reason: 'token_revoked', facts };
    return { ok: true, facts };
  }

  /**
   * CONTRACT §4: a change takes effect at once. A change announced in this process (or heard
   * from another) is being reloaded; wait for it, briefly: past RELOAD_WAIT_MS the state is not
   * trustworthy, and neither is an unknown one (503, never a guess).
   */
  private async current(): Promise<void> {
    const reloading = this.state.current();
    if (reloading) {
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([
        reloading.then(() => false),
        new Promise<boolean>(
          (resolve) => (timer = setTimeout(() => resolve(true), RELOAD_WAIT_MS)),
        ),
      ]);
      clearTimeout(timer);
      if (late) throw new DecisionUnavailableError();
    }
    if (!this.state.known) throw new DecisionUnavailableError();
  }

  private deny(reason: DenyReason, context: Partial<Decision> = {}): Decision {
    return { allowed: false, reason, decisionId: randomUUID(), ...context };
  }
}

function audienceIncludes(aud: JWTPayload['aud'], wanted: string): boolean {
  return Array.isArray(aud) ? aud.includes(wanted) : aud === wanted;
}

/** A disable after the token was issued ends it (iat has one-second resolution: fail closed). */
function issuedBefore(payload: JWTPayload, subject: SubjectState): boolean {
  return subject.tokensValidAfter !== null && (payload.iat ?? 0) * 1000 <= subject.tokensValidAfter;
}
