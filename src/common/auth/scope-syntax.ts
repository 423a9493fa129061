/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) (visible ASCII but `"` and `\`). */
const TOKEN = '[\\x21\\x23-\\x5B\\x5D-\\x7E]+';

/** One scope-token (RFC 6749 §3.3). */
export const SCOPE_TOKEN = new RegExp(`^${TOKEN}$`);

/** RFC 6749 §3.3: scope = scope-token *( SP scope-token ), one space between tokens. */
export const SCOPE_LIST = new RegExp(`^${TOKEN}( ${TOKEN})*$`);

/**
 * A scope value (RFC 6749 §3.3) read as its scope-tokens, in order, each once (order and
 * repetition carry no meaning). The empty string is no scope: []. Undefined when `value` is not
 * the grammar.
 */
export function parseScope(value: string): string[] | undefined {
  if (value === '') return [];
  if (!SCOPE_LIST.test(value)) return undefined;
  return [...new Set(value.split(' '))];
}
