import { FieldProblem, ValidationFailedError } from '../../common/api-error';
import { ExplainRequest } from './explain.dto';

/** What describes how a token is presented: meaningless without one. */
const PRESENTATION_FIELDS = ['scheme', 'dpop', 'url', 'client_certificate'] as const;

/**
 * The members the DTO cannot check one by one (docs/access.md, "Explain a decision"): exactly
 * one of `token` and `subject`, and the presentation only with a token. A 400 names each field.
 */
export function assertExplainShape(body: ExplainRequest): void {
  const problems: FieldProblem[] = [];
  if (body.token !== undefined && body.subject !== undefined) {
    problems.push({
      field: 'subject',
      problem: 'must not be sent with token: explain one or the other',
    });
  } else if (body.token === undefined && body.subject === undefined) {
    problems.push({ field: 'token', problem: 'token or subject is required' });
  }
  if (body.subject !== undefined) {
    for (const field of PRESENTATION_FIELDS) {
      if (body[field] !== undefined) problems.push({ field, problem: 'is only for a token' });
    }
  }
  if (problems.length > 0) throw new ValidationFailedError(problems);
}
