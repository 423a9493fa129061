import { isIP } from 'node:net';
import { FieldProblem } from '../common/api-error';
import { parseScope } from '../common/auth/scope-syntax';

/** The `<alias>` of /login/upstream/<alias>: lower-case letters, digits and inner hyphens. */
export const ALIAS_SYNTAX = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** What a provider asks for unless the admin says otherwise (OIDC Core §5.4). */
export const DEFAULT_UPSTREAM_SCOPE = 'openid email profile';

/**
 * Whether `host` (a URL's hostname) is this machine: 127.0.0.0/8, [::1] or `localhost`
 * (RFC 6761 §6.3), where plain http crosses no network.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/**
 * What is wrong with an upstream issuer: OIDC Discovery §4 makes it an https URL without query
 * or fragment. Plain http is accepted only on a loopback host, or when this server's own ISSUER
 * is http (a development setup), see docs/identity-providers.md.
 */
export function issuerProblem(issuer: string, ownIssuer: string): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'must be an absolute https URL';
  }
  if (url.search || url.hash || issuer.includes('?') || issuer.includes('#'))
    return 'must have no query or fragment (OpenID Connect Discovery §4)';
  if (url.username || url.password) return 'must not carry credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:') return 'must be an absolute https URL';
  if (isLoopbackHost(url.hostname) || ownIssuer.startsWith('http:')) return undefined;
  return 'must be https (http only on a loopback host, or while this server runs on http)';
}

/** What is wrong with an upstream scope: RFC 6749 §3.3 syntax, and OIDC Core §3.1.2.1 `openid`. */
export function scopeProblem(scope: string): string | undefined {
  const tokens = parseScope(scope);
  if (!tokens || tokens.length === 0) return 'must be space-separated scope tokens (RFC 6749 §3.3)';
  if (!tokens.includes('openid')) return 'must include openid (OpenID Connect Core §3.1.2.1)';
  return undefined;
}

/** The problems of the fields an admin set, for a 400 naming each one. */
export function providerProblems(
  input: { issuer?: string; scope?: string },
  ownIssuer: string,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const issuer = input.issuer === undefined ? undefined : issuerProblem(input.issuer, ownIssuer);
  if (issuer) problems.push({ field: 'issuer', problem: issuer });
  const scope = input.scope === undefined ? undefined : scopeProblem(input.scope);
  if (scope) problems.push({ field: 'scope', problem: scope });
  return problems;
}
