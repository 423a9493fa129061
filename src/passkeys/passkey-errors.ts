import { GatehouseError } from '../common/errors';

/**
 * A ceremony answer we do not accept: 400 in the admin API's shape with the one public
 * problem; what the verifier said goes to the log as the detail, never to the browser.
 */
export function ceremonyRefused(problem: string, detail?: unknown): GatehouseError {
  const details = [{ field: 'response', problem }];
  return new GatehouseError('invalid_request', 400, `response: ${problem}`, {
    details,
    detail:
      detail instanceof Error ? detail.message : typeof detail === 'string' ? detail : undefined,
  });
}

/** The challenge is gone: used, expired, of another ceremony, or never this browser's. */
export const NO_CEREMONY = 'answers no passkey ceremony of this browser: start again';
/** One answer for every assertion we refuse, so that it tells nothing about the account. */
export const NOT_ACCEPTED = 'was not accepted';
