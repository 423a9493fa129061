import { FieldProblem } from './errors';

/**
 * Admin-set attributes of a user or client (docs/access.md, Attributes): a JSON object whose
 * keys are identifiers, values any JSON, bounded so that every subject's stays small in the
 * decision engine's memory.
 */
export type Attributes = Readonly<Record<string, unknown>>;

export const ATTRIBUTE_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const MAX_ATTRIBUTES_BYTES = 4096;
export const MAX_ATTRIBUTES_DEPTH = 4;
export const MAX_ATTRIBUTES_KEYS = 64;

/** The one shared empty object: most subjects have no attributes. */
export const NO_ATTRIBUTES: Attributes = Object.freeze({});

/** What is wrong with `value` as attributes, each problem naming `attributes` or `attributes.<key>`. */
export function attributesProblems(value: unknown, field = 'attributes'): FieldProblem[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ field, problem: 'must be a JSON object' }];
  }
  const problems: FieldProblem[] = [];
  const keys = Object.keys(value);
  if (keys.length > MAX_ATTRIBUTES_KEYS) {
    problems.push({ field, problem: `must have at most ${MAX_ATTRIBUTES_KEYS} keys` });
  }
  for (const key of keys) {
    if (!ATTRIBUTE_KEY.test(key)) {
      problems.push({
        field: `${field}.${printable(key)}`,
        problem: 'the key must be a letter or _ then up to 63 letters, digits or _',
      });
    }
  }
  if (depth(value) > MAX_ATTRIBUTES_DEPTH) {
    problems.push({ field, problem: `must nest at most ${MAX_ATTRIBUTES_DEPTH} levels deep` });
  }
  if (problems.length === 0) {
    const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
    if (bytes > MAX_ATTRIBUTES_BYTES) {
      problems.push({ field, problem: `must be at most ${MAX_ATTRIBUTES_BYTES} bytes as JSON` });
    }
  }
  return problems;
}

/** Attributes as the engine keeps them: frozen, and `{}` always the one shared object. */
export function frozenAttributes(value: unknown): Attributes {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return NO_ATTRIBUTES;
  if (Object.keys(value).length === 0) return NO_ATTRIBUTES;
  return deepFreeze(value as Record<string, unknown>);
}

/**
 * Objects and arrays count one level each: `{}` is 1, `{"a": {"b": 1}}` is 2. Stops one level
 * past the limit, so a hostile nesting costs no deep recursion.
 */
function depth(value: unknown, level = 1): number {
  if (typeof value !== 'object' || value === null) return level - 1;
  if (level > MAX_ATTRIBUTES_DEPTH) return level;
  let deepest = level;
  for (const member of Object.values(value)) {
    deepest = Math.max(deepest, depth(member, level + 1));
    if (deepest > MAX_ATTRIBUTES_DEPTH) break;
  }
  return deepest;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

/** A key as a field name: control characters (a NUL byte) escaped, never echoed raw. */
function printable(key: string): string {
  return JSON.stringify(key.slice(0, 80)).slice(1, -1);
}

/** Their OpenAPI schema (Swagger), for every DTO and view that carries them. */
export const ATTRIBUTES_SCHEMA = {
  type: 'object',
  additionalProperties: true,
  example: { tenant: 'acme', department: 'sales' },
  description:
    'Admin-set JSON object: identifier keys, any JSON values; at most 64 keys, depth 4, 4096 bytes (docs/access.md, Attributes)',
} as const;

/**
 * The attributes as JSON with every object's keys sorted: PostgreSQL's jsonb keeps its own key
 * order, so two equal objects compare equal only this way (audit: was the field changed?).
 */
export function canonicalAttributes(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) =>
    typeof member === 'object' && member !== null && !Array.isArray(member)
      ? Object.fromEntries(Object.entries(member).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : member,
  );
}
