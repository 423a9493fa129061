/** RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
export const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * RFC 6750 §2.1 `credentials = "Bearer" 1*SP b64token`; the scheme name is case-insensitive
 * (RFC 7235 §2.1), and trailing spaces (optional whitespace, RFC 7230 §3.2.3) are ignored.
 */
const BEARER_HEADER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The access token of an `Authorization: Bearer` header, or undefined when the header is absent
 * or not a Bearer credential of that grammar. The one Bearer parser: every route that takes an
 * access token or a registration token from the header reads it here.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return BEARER_HEADER.exec(header)?.[1];
}
