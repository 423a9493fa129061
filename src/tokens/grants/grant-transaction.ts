import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { InvalidGrantError } from '../../common/oauth-error';
import { RevocationList, RevokedToken } from '../revocation-list.service';
import { TokenResponse } from './grant-handler';
import { GatehouseError } from '../../common/errors';

/**
 * How a grant's transaction ended. It commits on each of them: a refused grant still uses up its
 * code or its refresh token, and what a grant took back stays revoked. The grant throws `error`
 * only after the commit (and announces `revoked` to every process first).
 */
export type GrantOutcome =
  | { kind: 'issued'; response: TokenResponse }
  | { kind: 'refused'; error: GatehouseError }
  | { kind: 'revoked'; error: GatehouseError; revoked: RevokedToken[] };

/** A refusal whose side effects (a burned code, a rotated refresh token) commit. */
export function refused(description: string): GrantOutcome {
  return { kind: 'refused', error: new InvalidGrantError(description) };
}

/** PostgreSQL serialization_failure and deadlock_detected: two requests raced for one grant. */
const CONFLICTS = new Set(['40001', '40P01']);

/**
 * Runs a grant's `work` in one transaction and answers its outcome once committed. Anything
 * `work` throws rolls the transaction back; two requests racing for one grant get
 * `invalid_grant`, never a 500.
 */
export async function inGrantTransaction(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<GrantOutcome>,
): Promise<GrantOutcome> {
  try {
    return await dataSource.transaction(work);
  } catch (error) {
    const code =
      error instanceof QueryFailedError ? (error.driverError as { code?: string }).code : undefined;
    if (code && CONFLICTS.has(code))
      throw new InvalidGrantError('the grant was used concurrently; try again');
    throw error;
  }
}

/**
 * What a committed grant answers: its tokens, or its refusal thrown, after announcing what it
 * revoked to every process.
 */
export function answerOf(outcome: GrantOutcome, revocations: RevocationList): TokenResponse {
  switch (outcome.kind) {
    case 'issued':
      return outcome.response;
    case 'revoked':
      revocations.announce(outcome.revoked);
      throw outcome.error;
    case 'refused':
      throw outcome.error;
  }
}
