import { parseScope } from '../common/auth/scope-syntax';
import { InvalidRequestError, InvalidScopeError, InvalidTargetError } from '../common/oauth-error';
import { resourceUriProblem } from '../clients/redirect-uri.policy';

/**
 * RFC 6749 §3.3: the granted scope. Asking for nothing means the client's registered scopes;
 * asking for anything outside them is `invalid_scope`.
 */
export function grantScopes(requested: string | undefined, allowed: readonly string[]): string[] {
  if (requested === undefined || requested === '') return [...allowed];
  const scopes = parseScope(requested);
  if (!scopes) {
    throw new InvalidScopeError('scope must be space-separated scope tokens (RFC 6749 §3.3)');
  }
  const outside = scopes.filter((scope) => !allowed.includes(scope));
  if (outside.length > 0) {
    throw new InvalidScopeError(`the client may not request ${outside.join(' ')}`);
  }
  return scopes;
}

/**
 * RFC 8707 §2: the audience is the `resource` the client asked for, each one registered for it
 * (the issuer, Gatehouse's own APIs, is always allowed); otherwise its registered audience, or
 * the issuer when it has none.
 */
export function grantAudience(
  resources: readonly string[],
  registered: readonly string[],
  issuer: string,
): string[] {
  for (const resource of resources) {
    const problem = resourceUriProblem(resource);
    if (problem) throw new InvalidRequestError(`resource ${problem}`);
    if (resource !== issuer && !registered.includes(resource)) {
      throw new InvalidTargetError(`the client may not request the resource ${resource}`);
    }
  }
  if (resources.length > 0) return [...new Set(resources)];
  return registered.length > 0 ? [...registered] : [issuer];
}
