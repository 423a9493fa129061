/** Longest address RFC 5321 §4.5.3.1.3 lets a path carry (254 once the brackets are off). */
export const MAX_MAIL_ADDRESS_LENGTH = 254;

/**
 * One dot-atom part of an address (RFC 5322 §3.4.1), allowing UTF-8 letters (RFC 6531):
 * no whitespace, no control or format character (CR, LF, NUL, U+2028…), none of the specials
 * that would let a value become a second address or a header of its own.
 */
const ATOM = /^[^\s\p{C}@<>()[\],;:\\"]+$/u;
const DOMAIN_LABEL = /^[^\s\p{C}@<>()[\],;:\\"._]+$/u;

/**
 * What is wrong with `value` as a single mail address, or undefined. Every address Gatehouse
 * sends to or from passes this before a mail library sees it, so no value can add a header or
 * a recipient (header injection).
 */
export function mailAddressProblem(value: string): string | undefined {
  if (value.length > MAX_MAIL_ADDRESS_LENGTH)
    return `must be at most ${MAX_MAIL_ADDRESS_LENGTH} characters`;
  const at = value.lastIndexOf('@');
  if (at <= 0 || value.indexOf('@') !== at) return 'must be one address: local-part@domain';
  const local = value.slice(0, at);
  const labels = value.slice(at + 1).split('.');
  if (local.length > 64) return 'must have a local part of at most 64 characters';
  if (!ATOM.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..'))
    return 'must have a plain local part (no spaces, controls or quoting)';
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label)))
    return 'must have a domain name with a dot (no spaces or controls)';
  return undefined;
}

/** RFC 5322 §3.4: `Name <address>` or `address`, parsed; a reason when it is not one. */
export function parseMailbox(
  value: string,
): { address: string; name?: string } | { problem: string } {
  const named = /^([^<>]*)<([^<>]*)>$/.exec(value.trim());
  const address = (named ? named[2] : value).trim();
  const name = named?.[1].trim().replace(/^"(.*)"$/, '$1') || undefined;
  if (name !== undefined && /[\p{C}"\\<>]/u.test(name))
    return { problem: 'must have a display name without controls, quotes or brackets' };
  const problem = mailAddressProblem(address);
  return problem ? { problem } : { address, ...(name ? { name } : {}) };
}
