import { TemporarilyUnavailableError } from '../../common/oauth-error';
import { PathProblem } from '../rules/request-path';

/** docs/reason-codes.md, plus the two ways to be allowed. */
export type DenyReason =
  | 'token_missing'
  | 'token_invalid'
  | 'token_expired'
  | 'token_revoked'
  | 'binding_mismatch'
  | 'client_inactive'
  | 'subject_inactive'
  | 'insufficient_scope'
  | 'permission_denied'
  | 'no_matching_rule'
  | 'path_rejected'
  | 'condition_failed';
export type AllowReason = 'allowed' | 'anonymous';

export interface Decision {
  allowed: boolean;
  reason: AllowReason | DenyReason;
  decisionId: string;
  sub?: string;
  clientId?: string;
  scope?: string;
  /** The permission judged, when there was one. */
  permission?: string;
  /** The rule that decided, for gateway requests. */
  ruleId?: string;
  /** Why the original URI was refused (path_rejected), for the decision log. */
  pathProblem?: PathProblem;
  /** Why the token's proof of possession failed (binding_mismatch), for the log and explain. */
  bindingProblem?: string;
  /** Why the rule's condition did not hold (condition_failed), for the log and explain. */
  conditionProblem?: string;
  /** The token is DPoP-bound: a gateway challenges with the DPoP scheme (RFC 9449 §7.1). */
  dpopBound?: boolean;
  /**
   * Who asked, when the decision is about another subject (`/access/check` naming one): the
   * caller's token's `sub` and `client_id`, for the decision log.
   */
  caller?: { sub: string; clientId: string };
}

/**
 * How a token was presented, and the proof of possession that came with it (RFC 9449 §7,
 * RFC 8705 §3). Read lazily: a token without `cnf` presented as Bearer needs none of it.
 */
export interface Presentation {
  /** The `Authorization` scheme: a DPoP-bound token only with `DPoP`, any other with `Bearer`. */
  scheme: 'Bearer' | 'DPoP';
  /** The `DPoP` header as received (a repeated one joined with `, `), if any. */
  dpop(): string | undefined;
  /** The method of the request the proof must be for (`htm`). */
  method: string;
  /** The absolute URL of the request the proof must be for (`htu`), if it can be told. */
  url(): string | undefined;
  /** RFC 8705 §3.1 `x5t#S256` of the client certificate presented and believed, if any. */
  certificateThumbprint(): string | undefined;
  /** False to check a proof without spending its `jti` (explain). */
  spendsProof?: boolean;
  /**
   * The address of the request being decided, where it can be told (conditions'
   * `context.address`): read only when a condition is evaluated.
   */
  address?(): string | undefined;
}

/**
 * What the asker says about a decision besides the subject and the permission (AuthZEN 1.0 §5
 * `properties` and `context`; the `/access/check` body's `context`), and where the request being
 * decided came from. Conditions read it (docs/access.md, "Conditions"); nothing is copied or
 * computed from it unless a condition is evaluated.
 */
export interface AskedFacts {
  subject?: { properties?: Record<string, unknown> };
  resource?: { id?: string; properties?: Record<string, unknown> };
  action?: { properties?: Record<string, unknown> };
  /** The caller's context; the server's `time` and `address` override keys of the same name. */
  context?: Record<string, unknown>;
  /** The request's address, when the surface knows it already (AuthZEN: the caller's). */
  address?: string;
  /** The request being decided, its address read from it only when a condition asks. */
  presented?: Presentation;
}

/** Reasons that are about the token itself: gateways answer them with 401, the rest 403. */
export const TOKEN_PROBLEMS: ReadonlySet<string> = new Set([
  'token_missing',
  'token_invalid',
  'token_expired',
  'token_revoked',
  'binding_mismatch',
]);

/**
 * The state is not known (database unreachable and nothing trustworthy cached): answer 503.
 * docs/reason-codes.md: a decision id on every answer, a 503 included (`decisionId`, from Ids).
 */
export class DecisionUnavailableError extends TemporarilyUnavailableError {
  constructor(decisionId: string) {
    super('access decisions are unavailable: the server cannot tell', undefined, {
      headers: { 'retry-after': '1', 'x-decision-id': decisionId },
    });
  }
}

/** How the OpenAPI description of a decision route words its 503 (DecisionUnavailableError). */
export const DECISION_UNAVAILABLE = {
  description: 'The server cannot tell; never an allow (Retry-After: 1)',
};

/** The deny for an original request that has no single meaning (docs/security/paths.md). */
export function pathRejected(problem: PathProblem, decisionId: string): Decision {
  return {
    allowed: false,
    reason: 'path_rejected',
    decisionId,
    pathProblem: problem,
  };
}
