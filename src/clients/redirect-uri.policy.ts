import { isIP } from 'node:net';
import { nonPublicRange } from './network-address.policy';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/** The port as written in `scheme://[userinfo@]host:port` (RFC 3986 §3.2), if there is one. */
const WRITTEN_PORT =
  /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^/?#@]*@)?(?:\[[^\]/?#]*\]|[^/?#:@[\]]*):([^/?#@]*)(?=[/?#]|$)/;

export const PORT_PROBLEM = 'must have a port from 1 to 65535, in digits without a leading zero';

/**
 * `value` parsed as an absolute URI, or the problem with it. RFC 3986 §3.2.3 allows any digits
 * as a port, and an empty one; RFC 6335 §6 numbers ports 1 to 65535 (0 is reserved). Every URI
 * a client registers goes through here, so a port is read one way: the digits written, 1 to
 * 65535, no sign, no leading zero, never empty.
 */
export function parseAbsoluteUri(
  value: string,
  invalid = 'must be an absolute URI',
): { url: URL } | { problem: string } {
  const port = WRITTEN_PORT.exec(value)?.[1];
  if (port !== undefined && !/^[1-9][0-9]{0,4}$/.test(port)) return { problem: PORT_PROBLEM };
  if (port !== undefined && Number(port) > 65535) return { problem: PORT_PROBLEM };
  try {
    return { url: new URL(value) };
  } catch {
    return { problem: invalid };
  }
}

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
  const parsed = parseAbsoluteUri(value);
  if ('problem' in parsed) return parsed.problem;
  const { url } = parsed;
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
  const parsed = parseAbsoluteUri(value, 'must be an origin such as https://app.example.com');
  if ('problem' in parsed) return parsed.problem;
  const { url } = parsed;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use http or https';
  if (url.origin !== value)
    return 'must be an origin only: scheme, host and port, no path or trailing slash';
  return undefined;
}

/** RFC 8707 §2: a resource indicator is an absolute URI without a fragment. */
export function resourceUriProblem(value: string): string | undefined {
  const parsed = parseAbsoluteUri(value, 'must be an absolute URI (RFC 8707 §2)');
  if ('problem' in parsed) return parsed.problem;
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
  const parsed = parseAbsoluteUri(value, 'must be an absolute https URL');
  if ('problem' in parsed) return parsed.problem;
  const { url } = parsed;
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
