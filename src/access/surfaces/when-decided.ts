import { DecisionAnswer } from '../engine/access-decision.service';
import { Decision } from '../engine/decision';

/**
 * Hands the engine's answer to `send`: at once when the engine decided synchronously (the usual
 * case on a hot path), or once it arrives. A rejection (DecisionUnavailableError: 503, never an
 * allow) reaches Fastify through the returned promise, and the exception filter renders it.
 */
export function whenDecided(
  answer: DecisionAnswer,
  send: (decision: Decision) => void,
): Promise<void> | undefined {
  if (answer instanceof Promise) return answer.then(send);
  send(answer);
  return undefined;
}
