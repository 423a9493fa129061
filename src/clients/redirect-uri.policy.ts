import { isIP } from 'node:net';
import { nonPublicRange } from './network-address.policy';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

function isLoopbackLiteral(hostname: string): boolean {
  if (LOOPBACK_HOSTS.has(hostname)) return true;
  // Any address in 127.0.0.0/8 is loopback (RFC 8252 §7.3 recommends 127.0.0.1).
  return isIP(hostname) === 4 && hostname.startsWith('127.');
}

/**
 * Redirect URI rules (RFC 6749 §3.1.2, RFC 8252 §7.3 and §8.3, OAuth 2.0 Security BCP):
 * absolute `https`, or `http` on a loopback IP literal; no fragment; no wildcard.
 * Returns the problem, or undefined when the URI is acceptable.
 */
export function redirectUriProblem(value: string): string | undefined {
  if (/^\s*(javascript|data|vbscript|file):/i.test(value)) {
    return 'must not use the javascript:, data:, vbscript: or file: scheme';
  }
  if (value.includes('*')) return 'must not contain a wildcard';
  if (/\s/.test(value)) return 'must not contain whitespace';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URI';
  }
  if (value.includes('#')) return 'must not contain a fragment (RFC 6749 §3.1.2)';
  if (url.username || url.password) return 'must not contain user information';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return isLoopbackLiteral(url.hostname)
      ? undefined
      : 'http is allowed only on a loopback IP literal such as 127.0.0.1 or [::1] (RFC 8252 §7.3)';
  }
  return 'must use https (or http on a loopback IP literal)';
}

/** A CORS origin: scheme, host and optional port, nothing more (RFC 6454). */
export function originProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an origin such as https://app.example.com';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use http or https';
  if (url.origin !== value)
    return 'must be an origin only: scheme, host and port, no path or trailing slash';
  return undefined;
}

/** RFC 8707 §2: a resource indicator is an absolute URI without a fragment. */
export function resourceUriProblem(value: string): string | undefined {
  try {
    new URL(value);
  } catch {
    return 'must be an absolute URI (RFC 8707 §2)';
  }
  if (value.includes('#')) return 'must not contain a fragment (RFC 8707 §2)';
  return undefined;
}

/**
 * jwks_uri (RFC 7591 §2), checked before the server ever fetches it: https, no user information,
 * and not a host that names this machine or a private network: `localhost` (RFC 6761 §6.3) or an
 * IP literal outside the public unicast ranges. A host name is checked again at fetch time,
 * against the addresses it resolves to. `allowPrivate` (JWKS_URI_ALLOW_PRIVATE, for development)
 * lifts the host rule and also allows http.
 */
export function jwksUriProblem(value: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute https URL';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    return 'must be an https URL';
  }
  if (url.username || url.password) return 'must not contain user information';
  if (allowPrivate) return undefined;
  // The WHATWG parser has already turned 2130706433, 0x7f.1 and the like into 127.0.0.1.
  const host = url.hostname.replace(/\.$/, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return 'must not point at localhost';
  }
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) {
    const range = nonPublicRange(host);
    if (range) return `must not point at a non-public address (${range})`;
  }
  return undefined;
}
