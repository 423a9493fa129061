import { FastifyRequest } from 'fastify';

/**
 * The client_id a request claims, read without verifying anything, so the per-client limit
 * counts before authentication (RFC 6749 §2.3): the Basic user name (§2.3.1), the `client_id`
 * form field, or the `iss` of a `client_assertion` (RFC 7523 §3). Never throws: a malformed
 * claim is left to client authentication to reject.
 */
export function presentedClientId(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined && /^basic /i.test(header)) return basicUser(header.slice(6).trim());
  const body = request.body;
  if (typeof body !== 'object' || body === null) return undefined;
  const { client_id: clientId, client_assertion: assertion } = body as Record<string, unknown>;
  if (typeof clientId === 'string' && clientId !== '') return clientId;
  if (typeof assertion === 'string') return assertionIssuer(assertion);
  return undefined;
}

function basicUser(encoded: string): string | undefined {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  const user = decoded.slice(0, colon);
  if (!user.includes('%') && !user.includes('+')) return user; // the common case, and cheap
  try {
    return decodeURIComponent(user.replace(/\+/g, ' '));
  } catch {
    return user;
  }
}

function assertionIssuer(jwt: string): string | undefined {
  const payload = jwt.split('.', 3)[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const iss = (claims as { iss?: unknown } | null)?.iss;
    return typeof iss === 'string' && iss !== '' ? iss : undefined;
  } catch {
    return undefined;
  }
}
