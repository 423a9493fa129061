/**
 * The one reading of a request URI's path that gateway rules are matched against
 * (docs/security/paths.md). It follows RFC 3986 §6.2.2 syntax-based normalisation where that is
 * unambiguous (percent-decoding, hex case, the query dropped) and does what nginx
 * (`merge_slashes`) and Envoy (`merge_slashes`) do with empty segments; every URI whose meaning
 * depends on how the upstream decodes it is refused instead of guessed at (Envoy's
 * `path_with_escaped_slashes_action: REJECT_REQUEST`, Spring Security's StrictHttpFirewall):
 * one reading, or none.
 */

/** Why a URI has no single meaning; the decision is `path_rejected`, the problem is logged. */
export type PathProblem =
  /** Not origin-form (RFC 9112 §3.2.1): relative, absolute-form (`http://…`), `*`, empty. */
  | 'not_absolute'
  /** `//host/…` is a network-path reference (RFC 3986 §4.2): WHATWG URL parsers read a host. */
  | 'authority'
  /** A raw control character, space or non-ASCII byte (RFC 3986 §2: URIs are ASCII). */
  | 'raw_character'
  /** `\`, raw or `%5C`: IIS and WHATWG parsers read it as `/`. */
  | 'backslash'
  /** `%2F`: nginx and most frameworks decode it to `/`, others keep it in the segment. */
  | 'encoded_slash'
  /** `;`, raw or `%3B`: Tomcat, Jetty and Spring strip `;params`, so `..;` reads as `..`. */
  | 'path_parameter'
  /** `%25`: an upstream that decodes twice reads `%252e` as `.`. */
  | 'double_encoding'
  /** `%` not followed by two hex digits (RFC 3986 §2.1). */
  | 'bad_percent_encoding'
  /** Decoded octets that are not UTF-8 (RFC 3629): overlong forms (`%C0%AE`), surrogates. */
  | 'invalid_utf8'
  /** A control character after decoding (`%00`, `%0A`, `%C2%85`). */
  | 'control_character'
  /** A character that compatibility-folds (NFKC) or looks like `.`, `/`, `\`, `;`, `%`, `?`, `#`. */
  | 'lookalike'
  /** `.`, `..`, raw or encoded, and any segment that ends in `.` or a space (Windows drops those). */
  | 'dot_segment'
  /** `%3F` or `%23`: an upstream that decodes before it splits ends the path there. */
  | 'encoded_delimiter'
  /** A `#` in the path: a fragment is never sent (RFC 9110 §4.2.4), so someone is playing. */
  | 'fragment'
  /** A gateway request naming its original URI twice (X-Original-URI and X-Forwarded-Uri). */
  | 'ambiguous_original'
  /** A gateway request in no form that GATEWAY_FORMS accepts (docs/gateways.md). */
  | 'no_original_request';

export type RequestPath =
  { segments: string[]; problem?: undefined } | { segments?: undefined; problem: PathProblem };

/** What each ASCII character means to the scanner. */
const PLAIN = 0;
const SLASH = 1;
const DOT = 2;
const PERCENT = 3;
const QUERY = 4;
const REJECT = 5;

const CHARS = new Uint8Array(128);
const RAW_PROBLEMS: Partial<Record<number, PathProblem>> = {
  0x5c: 'backslash',
  0x3b: 'path_parameter',
  0x23: 'fragment',
};
for (let code = 0; code < 128; code++) {
  if (code <= 0x20 || code === 0x7f || RAW_PROBLEMS[code]) CHARS[code] = REJECT;
}
CHARS[0x2f] = SLASH;
CHARS[0x2e] = DOT;
CHARS[0x25] = PERCENT;
CHARS[0x3f] = QUERY;

/**
 * The decoded path segments of a request URI (origin-form: path and optional query), or why it
 * is refused. Empty segments are dropped (`/a//b/` is `/a/b`); the query is not looked at.
 *
 * A plain ASCII path (no `%`, no dot-only segment) is split in one pass without decoding: the
 * gateway asks this for every API request.
 */
export function requestPath(uri: string): RequestPath {
  if (uri.charCodeAt(0) !== 0x2f) return { problem: 'not_absolute' };
  if (uri.charCodeAt(1) === 0x2f) return { problem: 'authority' };
  const segments: string[] = [];
  const length = uri.length;
  let start = 1;
  let encoded = false;
  for (let i = 1; i <= length; i++) {
    const code = i < length ? uri.charCodeAt(i) : 0x3f;
    const kind = code < 128 ? CHARS[code] : REJECT;
    if (kind === PLAIN || kind === DOT) continue;
    if (kind === PERCENT) {
      encoded = true;
      continue;
    }
    if (kind === SLASH || kind === QUERY) {
      if (i > start) {
        const raw = uri.slice(start, i);
        const segment = encoded ? decodeSegment(raw) : raw;
        if (typeof segment !== 'string') return segment;
        if (!encoded && endsLikeDots(segment)) return { problem: 'dot_segment' };
        segments.push(segment);
      }
      if (kind === QUERY) break;
      start = i + 1;
      encoded = false;
      continue;
    }
    // A raw space, control, non-ASCII byte, `\`, `;` or `#`.
    return { problem: RAW_PROBLEMS[code] ?? 'raw_character' };
  }
  return { segments };
}

/** Whether the (decoded) segment is `.`, `..`, or ends in `.` or a space, as Windows drops them. */
function endsLikeDots(segment: string): boolean {
  const last = segment.charCodeAt(segment.length - 1);
  return last === 0x2e || last === 0x20;
}

const HEX = /^[0-9A-Fa-f]{2}$/;
/** Octets that must not be sent encoded, and why (the raw ones are refused as they are). */
const ENCODED_PROBLEMS: Partial<Record<number, PathProblem>> = {
  0x2f: 'encoded_slash',
  0x5c: 'backslash',
  0x3b: 'path_parameter',
  0x25: 'double_encoding',
  0x23: 'encoded_delimiter',
  0x3f: 'encoded_delimiter',
};

/** A percent-decoded segment (RFC 3986 §2.1), or why it has no single meaning. */
function decodeSegment(raw: string): string | { problem: PathProblem } {
  for (let i = raw.indexOf('%'); i !== -1; i = raw.indexOf('%', i + 3)) {
    const hex = raw.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return { problem: 'bad_percent_encoding' };
    const octet = parseInt(hex, 16);
    const problem = ENCODED_PROBLEMS[octet];
    if (problem) return { problem };
    if (octet < 0x20 || octet === 0x7f) return { problem: 'control_character' };
  }
  let decoded: string;
  try {
    // Throws on octets that are not UTF-8: overlong forms, surrogates, truncated sequences.
    decoded = decodeURIComponent(raw);
  } catch {
    return { problem: 'invalid_utf8' };
  }
  return decodedSegmentProblem(decoded) ?? decoded;
}

/**
 * What makes a decoded segment mean different things to different readers, if anything: a
 * control character, a character that folds into a separator (below), a trailing `.` or space.
 * Rule patterns, written decoded, are held to the same (route-matcher's pathPatternProblem).
 */
export function decodedSegmentProblem(segment: string): { problem: PathProblem } | undefined {
  for (const char of segment) {
    const code = char.codePointAt(0)!;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return { problem: 'control_character' };
    if (code === 0x5c) return { problem: 'backslash' };
    if (code === 0x3b) return { problem: 'path_parameter' };
    if (code >= 0x80 && isLookalike(char, code)) return { problem: 'lookalike' };
  }
  if (endsLikeDots(segment)) return { problem: 'dot_segment' };
  return undefined;
}

/**
 * Characters an upstream may fold into a separator or a dot: whatever NFKC (Unicode's
 * compatibility normalisation, used by IIS "best fit" and many frameworks) turns into one of
 * `. / \ ; % ? #` (full-width `．` U+FF0E, `／` U+FF0F, one-dot leader U+2024, …), and the
 * slashes and stops that only look like them.
 */
const LOOKALIKES = new Set([0x2215, 0x2044, 0x29f8, 0x29f9, 0x2216, 0x3002, 0xff61]);
const SEPARATORS = /[./\\;%?#]/;

function isLookalike(char: string, code: number): boolean {
  return LOOKALIKES.has(code) || SEPARATORS.test(char.normalize('NFKC'));
}
