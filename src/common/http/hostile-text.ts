/**
 * The character rules every value from outside meets at the edge (docs/security/input.md): what
 * a text may contain once it is decoded, and strict decoders that refuse what they cannot decode
 * exactly. Each check is one pass over the value: a single character class (which cannot
 * backtrack, and runs as native code) finds the clean values, and only a value it flags is
 * looked at character by character.
 */

/** What a decoded value is for: free text may hold tab, LF and CR; a name or path nothing below U+0020. */
export type TextKind = 'text' | 'name';

/** The longest string value accepted anywhere (a URL, form or JSON value, a header). */
export const MAX_TEXT_LENGTH = 16 * 1024;

/** Characters that may break the rules: controls and surrogates (pairs are looked at closely). */
// Control characters are exactly what these classes look for.
// eslint-disable-next-line no-control-regex
const SUSPECT_IN_TEXT = /[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]/;
// eslint-disable-next-line no-control-regex
const SUSPECT_IN_NAME = /[\x00-\x1f\ud800-\udfff]/;
/** Anything but visible ASCII and tab: the characters a header value is looked at closely for. */
const SUSPECT_IN_HEADER = /[^\t\x20-\x7e]/;

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Why `value` cannot be used, or undefined when it can: U+0000 and the other C0 controls (tab,
 * LF and CR allowed in free text), a lone UTF-16 surrogate (which has no UTF-8 form, RFC 3629
 * §3), or more than MAX_TEXT_LENGTH characters.
 */
export function textProblem(value: string, kind: TextKind = 'text'): string | undefined {
  const length = value.length;
  if (length > MAX_TEXT_LENGTH) return `is longer than ${MAX_TEXT_LENGTH} characters`;
  if (!(kind === 'text' ? SUSPECT_IN_TEXT : SUSPECT_IN_NAME).test(value)) return undefined;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20) {
      if (c === 0) return 'contains a NUL character';
      if (kind === 'name' || (c !== TAB && c !== LF && c !== CR))
        return 'contains a control character';
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < length ? value.charCodeAt(i + 1) : 0;
      if (c >= 0xdc00 || next < 0xdc00 || next > 0xdfff) return 'contains a lone surrogate';
      i++;
    }
  }
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as UTF-8 text, or undefined when they are not well-formed UTF-8 (RFC 3629 §4). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A percent-encoded component decoded strictly (RFC 3986 §2.1): every `%` starts two hex digits,
 * and the octets are well-formed UTF-8 (no overlong forms such as `%c0%ae`, no encoded
 * surrogates such as `%ed%a0%80`, no stray `%ff`). Undefined when it is not. With `plusIsSpace`,
 * `+` is a space, as in application/x-www-form-urlencoded.
 */
export function decodeComponent(encoded: string, plusIsSpace = false): string | undefined {
  const text = plusIsSpace && encoded.includes('+') ? encoded.replace(/\+/g, ' ') : encoded;
  if (!text.includes('%')) return text;
  try {
    // ECMA-262 Decode: throws URIError on a malformed escape or octets that are not UTF-8.
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Where a raw header (ISO-8859-1 as Node reads it) is not ASCII: its bytes must be UTF-8. */
export function headerValueProblem(value: string): string | undefined {
  if (!SUSPECT_IN_HEADER.test(value)) return undefined;
  let ascii = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 ? c !== TAB : c === 0x7f) return 'contains a control character';
    if (c > 0x7f) ascii = false;
  }
  if (ascii) return undefined;
  return decodeUtf8(Buffer.from(value, 'latin1')) === undefined ? 'is not valid UTF-8' : undefined;
}
