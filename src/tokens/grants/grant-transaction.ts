import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { InvalidGrantError } from '../../common/oauth-error';
import { RevocationList, RevokedToken } from '../revocation-list.service';
import { TokenResponse } from './grant-handler';
import { GatehouseError } from '../../common/errors';

/** A grant's transaction ends in tokens, or in an error whose side effects must still commit. */
export type GrantOutcome =
  { response: TokenResponse } | { error: GatehouseError; revoked?: RevokedToken[] };

/** PostgreSQL serialization_failure and deadlock_detected: two requests raced for one grant. */
const CONFLICTS = new Set(['40001', '40P01']);

/**
 * Runs a grant in one transaction. An error *returned* by `work` commits first (a burned code,
 * a revoked family stay so); one *thrown* rolls back. Revocations are announced to every process
 * after the commit; a concurrency conflict is `invalid_grant`, never a 500 (STYLE §5).
 */
export async function runGrantTransaction(
  dataSource: DataSource,
  revocations: RevocationList,
  work: (manager: EntityManager) => Promise<GrantOutcome>,
): Promise<TokenResponse> {
  let outcome: GrantOutcome;
  try {
    outcome = await dataSource.transaction(work);
  } catch (error) {
    const code =
      error instanceof QueryFailedError ? (error.driverError as { code?: string }).code : undefined;
    if (code && CONFLICTS.has(code))
      throw new InvalidGrantError('the grant was used concurrently; try again');
    throw error;
  }
  if ('error' in outcome) {
    if (outcome.revoked) revocations.announce(outcome.revoked);
    throw outcome.error;
  }
  return outcome.response;
}
