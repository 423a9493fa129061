import { Environment } from '@marcbachmann/cel-js';

/**
 * Conditions: CEL expressions on gateway rules (docs/access.md, "Conditions"), run by
 * @marcbachmann/cel-js (docs/decisions/0305-cel-library.md). `compile` parses and type-checks
 * once, when a rule is saved and when the access state loads; `evaluate` runs on the decision hot
 * path, synchronously, and allows only when the result is exactly `true` (fail closed).
 */

/** Bounds checked before a condition is accepted, so none can be costly to run. */
export const MAX_CONDITION_LENGTH = 2048;
export const MAX_CONDITION_DEPTH = 32;
export const MAX_CONDITION_NODES = 256;
/** Macros (`exists`, `all`, `map`…) inside one another. */
export const MAX_COMPREHENSION_NESTING = 2;
/**
 * The estimated cost: every node counts once, times `ASSUMED_LIST_SIZE` for each comprehension
 * it sits in (the lists a condition iterates come from the request and the subject).
 */
export const MAX_CONDITION_COST = 100_000;
const ASSUMED_LIST_SIZE = 100;

const MACROS: ReadonlySet<string> = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** Where a problem is in the expression: offset from 0, line and column from 1. */
export interface ConditionProblem {
  message: string;
  offset: number;
  line: number;
  column: number;
}

/** The variables a condition may read (docs/access.md, "Conditions"). */
export type ConditionVariable = 'subject' | 'resource' | 'action' | 'context' | 'request' | 'token';
const VARIABLES: ReadonlySet<string> = new Set<ConditionVariable>([
  'subject',
  'resource',
  'action',
  'context',
  'request',
  'token',
]);

export interface CompiledCondition {
  readonly source: string;
  /** The library's program; throws on run-time errors (evaluate catches them). */
  readonly program: (activation: ConditionActivation) => unknown;
  /** The variables it names: a decision builds only these for it. */
  readonly reads: ReadonlySet<ConditionVariable>;
}

export type CompileResult =
  { ok: true; condition: CompiledCondition } | { ok: false; problem: ConditionProblem };

export type ConditionOutcome = { ok: true } | { ok: false; reason: string };

/** A map a condition reads: an object, or a Map (what the asker sent, see fromJson). */
export type ConditionMap = Record<string, unknown> | ReadonlyMap<string, unknown>;

/**
 * JSON an asker sent (AuthZEN `properties` and `context`), as a condition reads it: every object
 * becomes a Map, at every depth. The library types an object by its `constructor`, so an object
 * with its own `constructor` member could not be read; in a Map, `constructor` and `__proto__`
 * are keys like any other. A copy: the asker's value is never changed. JSON request bodies nest
 * at most MAX_JSON_DEPTH (common/http/strict-json.ts), which bounds the recursion.
 */
export function fromJson(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(fromJson);
  const map = new Map<string, unknown>();
  for (const key of Object.keys(value))
    map.set(key, fromJson((value as Record<string, unknown>)[key]));
  return map;
}

/** What a condition sees. A member left out makes a condition that reads it fail (deny). */
export interface ConditionActivation {
  subject?: {
    id: string;
    type: string;
    username?: string;
    email?: string;
    roles: readonly string[];
    /** Admin-set (docs/access.md, Attributes). */
    attributes?: Record<string, unknown>;
    /** What the asker says of the subject (AuthZEN `subject.properties`). */
    properties?: ConditionMap;
  };
  resource?: { type?: string; id?: string; properties?: ConditionMap };
  action?: { name?: string; properties?: ConditionMap };
  /** The caller's context, plus `time` (a Date: a CEL timestamp) and `address`. */
  context?: ConditionMap;
  request?: {
    method: string;
    path: string;
    params: Record<string, string>;
    query: Record<string, string>;
  };
  token?: { claims: Record<string, unknown> };
}

/** The declared variables (docs/access.md): an unknown variable or field is a compile error. */
const environment = new Environment({
  limits: {
    maxAstNodes: MAX_CONDITION_NODES,
    maxDepth: MAX_CONDITION_DEPTH,
    maxListElements: 100,
    maxMapEntries: 100,
    maxCallArguments: 8,
  },
})
  .registerVariable({
    name: 'subject',
    schema: {
      id: 'string',
      type: 'string',
      username: 'string',
      email: 'string',
      roles: 'list<string>',
      attributes: 'map<string, dyn>',
      properties: 'map<string, dyn>',
    },
  })
  .registerVariable({
    name: 'resource',
    schema: { type: 'string', id: 'string', properties: 'map<string, dyn>' },
  })
  .registerVariable({
    name: 'action',
    schema: { name: 'string', properties: 'map<string, dyn>' },
  })
  .registerVariable('context', 'map<string, dyn>')
  .registerVariable({
    name: 'request',
    schema: {
      method: 'string',
      path: 'string',
      params: 'map<string, string>',
      query: 'map<string, string>',
    },
  })
  .registerVariable({ name: 'token', schema: { claims: 'map<string, dyn>' } });

/** Parses and type-checks `expression` once; a problem names its position. */
export function compile(expression: string): CompileResult {
  if (typeof expression !== 'string') return refuse('must be a string', '', 0);
  if (expression.length > MAX_CONDITION_LENGTH) {
    return refuse(`must be at most ${MAX_CONDITION_LENGTH} characters`, expression, 0);
  }
  const bad = textProblem(expression);
  if (bad) return refuse(bad.message, expression, bad.offset);
  if (expression.trim() === '') return refuse('must not be empty', expression, 0);
  try {
    const parsed = environment.parse(expression);
    const checked = parsed.check();
    if (!checked.valid) return libraryProblem(checked.error, expression);
    if (checked.type !== 'bool' && checked.type !== 'dyn') {
      return refuse(`must be a boolean expression, not ${String(checked.type)}`, expression, 0);
    }
    const costly = costProblem(parsed.ast);
    if (costly) return refuse(costly, expression, 0);
    return {
      ok: true,
      condition: {
        source: expression,
        program: parsed,
        reads: variablesRead(parsed.ast),
      },
    };
  } catch (error) {
    return libraryProblem(error, expression);
  }
}

/** Runs a compiled condition: allowed only when it answers exactly `true`; never throws. */
export function evaluate(
  condition: CompiledCondition,
  activation: ConditionActivation,
): ConditionOutcome {
  try {
    const result = condition.program(activation);
    if (result === true) return ALLOWED;
    if (result === false) return FALSE;
    return { ok: false, reason: `not a boolean: ${typeName(result)}` };
  } catch (error) {
    return { ok: false, reason: shortReason(error) };
  }
}

const ALLOWED: ConditionOutcome = { ok: true };
const FALSE: ConditionOutcome = { ok: false, reason: 'false' };

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value;
}

/** The library's one-line message, without the source excerpt it appends. */
function shortReason(error: unknown): string {
  const summary = (error as { summary?: unknown } | null)?.summary;
  const message =
    typeof summary === 'string'
      ? summary
      : error instanceof Error
        ? error.message.split('\n')[0]
        : 'evaluation failed';
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

/** NUL and lone surrogates (not valid UTF-8 once encoded): refused before parsing. */
function textProblem(text: string): { message: string; offset: number } | undefined {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0) return { message: 'must not contain NUL characters', offset: i };
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return { message: 'must be valid Unicode (a lone surrogate)', offset: i };
    }
    if (code >= 0xdc00 && code <= 0xdfff) {
      return { message: 'must be valid Unicode (a lone surrogate)', offset: i };
    }
  }
  return undefined;
}

interface AstNode {
  op: string;
  args: unknown;
}

const isNode = (value: unknown): value is AstNode =>
  typeof value === 'object' && value !== null && typeof (value as AstNode).op === 'string';

/** The estimated cost (see MAX_CONDITION_COST), and the nesting of comprehensions. */
function costProblem(root: unknown): string | undefined {
  let cost = 0;
  let deepest = 0;
  // An explicit stack: the parser has bounded the depth, but no recursion is needed.
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, nesting] = stack.pop()!;
    if (Array.isArray(value)) {
      for (const item of value) stack.push([item, nesting]);
      continue;
    }
    if (!isNode(value)) continue;
    cost += ASSUMED_LIST_SIZE ** nesting;
    deepest = Math.max(deepest, nesting);
    const args = value.args;
    if (value.op === 'rcall' && Array.isArray(args) && MACROS.has(args[0] as string)) {
      stack.push([args[1], nesting]);
      stack.push([args[2], nesting + 1]);
    } else {
      stack.push([args, nesting]);
    }
  }
  if (deepest > MAX_COMPREHENSION_NESTING) {
    return `must nest at most ${MAX_COMPREHENSION_NESTING} comprehensions (exists, all, map…)`;
  }
  if (cost > MAX_CONDITION_COST) {
    return `its estimated cost ${cost} exceeds ${MAX_CONDITION_COST}`;
  }
  return undefined;
}

/**
 * The declared variables an expression names (identifier nodes): what a decision must build
 * for it. A comprehension's own variable that shadows one only makes the set larger.
 */
function variablesRead(root: unknown): ReadonlySet<ConditionVariable> {
  const reads = new Set<ConditionVariable>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else if (isNode(value)) {
      if (value.op === 'id' && typeof value.args === 'string' && VARIABLES.has(value.args)) {
        reads.add(value.args as ConditionVariable);
      } else {
        stack.push(value.args);
      }
    }
  }
  return reads;
}

function libraryProblem(error: unknown, expression: string): CompileResult {
  const range = (error as { range?: { start?: unknown } } | null)?.range;
  const offset = typeof range?.start === 'number' ? range.start : 0;
  return refuse(shortReason(error), expression, offset);
}

function refuse(message: string, expression: string, offset: number): CompileResult {
  const at = Math.max(0, Math.min(offset, expression.length));
  const before = expression.slice(0, at);
  const line = before.split('\n').length;
  const column = at - (before.lastIndexOf('\n') + 1) + 1;
  return {
    ok: false,
    problem: {
      message: `${message} (line ${line}, column ${column})`,
      offset: at,
      line,
      column,
    },
  };
}
