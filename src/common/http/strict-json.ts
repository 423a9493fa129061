import secureJson from 'secure-json-parse';
import { FieldProblem, ValidationFailedError } from '../api-error';
import { BODY_PROBLEMS } from '../error-response';
import { InvalidRequestError } from '../oauth-error';
import { decodeUtf8, textProblem } from './hostile-text';

/** Deeper JSON is refused before it is parsed: no request body of ours nests past a handful. */
export const MAX_JSON_DEPTH = 32;

const SAFE = { protoAction: 'error', constructorAction: 'error' } as const;

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether `text` nests objects and arrays deeper than `limit`; one pass, no recursion. */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}

/** The first string (key or value) in `value` that breaks the text rules, walked without recursion. */
function firstBadString(value: unknown): FieldProblem | undefined {
  const pending: Array<[unknown, string]> = [[value, '']];
  while (pending.length > 0) {
    const [item, field] = pending.pop()!;
    if (typeof item === 'string') {
      const problem = textProblem(item);
      if (problem) return { field: field || 'body', problem };
    } else if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i++) pending.push([item[i], `${field || 'body'}[${i}]`]);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, member] of Object.entries(item)) {
        const keyProblem = textProblem(key, 'name');
        if (keyProblem)
          return { field: field || 'body', problem: `has a member name that ${keyProblem}` };
        const name = key.length <= 64 ? key : `${key.slice(0, 64)}…`;
        pending.push([member, field ? `${field}.${name}` : name]);
      }
    }
  }
  return undefined;
}

/**
 * A JSON request body read strictly (RFC 8259): UTF-8 without a malformed byte (§8.1), nested at
 * most MAX_JSON_DEPTH deep, no `__proto__` or `constructor.prototype` key, and every key and
 * string free of NUL, control characters and lone surrogates (escaped `\u0000` and `\ud800`
 * included, §8.2). Anything else is a 400 that names the problem.
 */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new InvalidRequestError(BODY_PROBLEMS.emptyJson);
  const text = decodeUtf8(body);
  if (text === undefined) {
    throw new ValidationFailedError([{ field: 'body', problem: 'is not valid UTF-8' }]);
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new ValidationFailedError([
      { field: 'body', problem: `nests deeper than ${MAX_JSON_DEPTH} levels` },
    ]);
  }
  let value: unknown;
  try {
    // As Fastify parses: a __proto__ or constructor.prototype key is refused, not merged.
    value = secureJson.parse(text, undefined, SAFE);
  } catch {
    throw new InvalidRequestError(BODY_PROBLEMS.invalidJson);
  }
  const bad = firstBadString(value);
  if (bad) throw new ValidationFailedError([bad]);
  return value;
}
