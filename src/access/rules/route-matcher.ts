import { decodedSegmentProblem } from './request-path';

/** The parts of a rule the matcher needs. */
export interface RoutePattern {
  id: string;
  /** Upper-case methods; empty means any. */
  methods: string[];
  /**
   * `/invoices/*\/lines/**`: `*` matches one segment, `**` any number (zero or more); `{name}`
   * matches one segment, like `*`, and names it for conditions (`request.params.name`).
   */
  path: string;
}

interface Node<T> {
  literal: Map<string, Node<T>>;
  one?: Node<T>;
  many?: Node<T>;
  /** Rules ending here: those naming the method come before those for any method. */
  rules: T[];
}

const newNode = <T>(): Node<T> => ({ literal: new Map(), rules: [] });

/** What one match has learnt: from which segment on a `**` node matches nothing. */
interface Memo<T> {
  /** Made on the first failure only: a match that succeeds at once allocates nothing. */
  failedFrom?: Map<Node<T>, number>;
}

/** What matchAll has walked: each (node, segment) once, each `**` from its lowest entry on. */
interface CollectMemo<T> {
  visited: Map<Node<T>, Set<number>>;
  enteredFrom: Map<Node<T>, number>;
}

function segments(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

/** A named segment, `{id}`: the name is an identifier (a CEL map key without quoting). */
const NAMED_SEGMENT = /^\{([A-Za-z_][A-Za-z0-9_]{0,63})\}$/;

/** Whether a pattern segment matches any one segment: `*` or `{name}`. */
const isOne = (segment: string) => segment === '*' || NAMED_SEGMENT.test(segment);

/**
 * The named segments of a valid pattern, each with its index in the request's segments (fixed:
 * a `{name}` never follows a `**`, pathPatternProblem). Empty for most rules.
 */
export function pathParameters(path: string): Array<readonly [name: string, index: number]> {
  const named: Array<readonly [string, number]> = [];
  segments(path).forEach((segment, index) => {
    const name = NAMED_SEGMENT.exec(segment)?.[1];
    if (name !== undefined) named.push([name, index]);
  });
  return named;
}

/** Bounds on a pattern, so that no rule makes matching costly (docs/security/paths.md). */
export const MAX_PATTERN_SEGMENTS = 32;
export const MAX_PATTERN_DOUBLE_STARS = 4;

/**
 * Whether a path pattern is well formed: absolute, written decoded, a path the gateway could
 * accept (request-path.ts), wildcards as whole segments, and within the bounds above.
 */
export function pathPatternProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with /';
  if (path.length > 1000) return 'must be at most 1000 characters';
  if (/[?#\s]/.test(path)) return 'must not contain a query, fragment or whitespace';
  if (path.includes('%')) return 'must be written decoded, without % escapes';
  const parts = segments(path);
  for (const segment of parts) {
    if (segment === '.' || segment === '..') return 'must not contain . or .. segments';
    if (segment.endsWith('.')) return 'a segment must not end in . (Windows drops it)';
    if (segment.includes('*') && segment !== '*' && segment !== '**') {
      return 'a wildcard must be a whole segment: * or **';
    }
    if ((segment.includes('{') || segment.includes('}')) && !NAMED_SEGMENT.test(segment)) {
      return 'a named segment must be a whole segment {name}, the name an identifier';
    }
  }
  const names = parts.filter((segment) => NAMED_SEGMENT.test(segment));
  if (new Set(names).size !== names.length) return 'must not name two segments alike';
  const firstMany = parts.indexOf('**');
  if (firstMany >= 0 && parts.slice(firstMany).some((segment) => NAMED_SEGMENT.test(segment))) {
    return 'a named segment {name} must not follow **';
  }
  // What the gateway refuses in a request path (`\`, `;`, lookalikes…) would never match.
  for (const segment of parts) {
    const refused = decodedSegmentProblem(segment);
    if (refused) return `must be a path the gateway accepts (${refused.problem})`;
  }
  if (parts.length > MAX_PATTERN_SEGMENTS) {
    return `must have at most ${MAX_PATTERN_SEGMENTS} segments`;
  }
  if (parts.filter((segment) => segment === '**').length > MAX_PATTERN_DOUBLE_STARS) {
    return `must have at most ${MAX_PATTERN_DOUBLE_STARS} ** segments`;
  }
  return undefined;
}

/**
 * Gateway route matching (docs/access.md) on a segment trie, so the cost follows the path's length,
 * not the number of rules. The most specific rule wins: comparing segment by segment, a literal
 * beats `*`, which beats `**`; a longer pattern beats its prefix; and a rule naming the method
 * beats one for any method. The depth-first walk tries the more specific branch first, so the
 * first rule it finds is the winner.
 */
export class RouteMatcher<T extends RoutePattern> {
  private readonly root: Node<T> = newNode();

  constructor(rules: Iterable<T>) {
    for (const rule of rules) this.add(rule);
  }

  /** The rule for a request whose path is `path` (requestPath's segments), if any. */
  match(method: string, path: readonly string[]): T | undefined {
    return this.walk(this.root, path, 0, method.toUpperCase(), { failedFrom: undefined });
  }

  /**
   * Every rule that matches, most specific first: the order in which `match` tries them, so the
   * first is the one `match` answers. For explanations (docs/access.md), never for decisions:
   * it walks every branch that fits the path. Each (node, segment) pair is visited once, so a
   * rule reached through several ways for `**` to share the segments is listed once, and the
   * cost is bounded like `match`'s.
   */
  matchAll(method: string, path: readonly string[]): T[] {
    const found: T[] = [];
    this.collect(this.root, path, 0, method.toUpperCase(), found, {
      visited: new Map(),
      enteredFrom: new Map(),
    });
    return found;
  }

  private add(rule: T): void {
    let node = this.root;
    for (const segment of segments(rule.path)) {
      if (segment === '**') node = node.many ??= newNode();
      else if (isOne(segment)) node = node.one ??= newNode();
      else {
        let next = node.literal.get(segment);
        if (!next) node.literal.set(segment, (next = newNode()));
        node = next;
      }
    }
    node.rules.push(rule);
    node.rules.sort((a, b) => Number(a.methods.length === 0) - Number(b.methods.length === 0));
  }

  /**
   * The first rule, in order of specificity, that matches `path` from `index` on below `node`.
   * A plain depth-first walk would try every way for several `**` to share the segments
   * (exponential in their number); here a `**` that found nothing from some segment on is
   * remembered in `memo`, so each (`**` node, segment) pair is tried once: the cost is at most
   * the number of trie nodes times the number of segments.
   */
  private walk(
    node: Node<T>,
    path: readonly string[],
    index: number,
    method: string,
    memo: Memo<T>,
  ): T | undefined {
    if (index === path.length) {
      const here = this.pick(node, method);
      if (here) return here;
    } else {
      const literal = node.literal.get(path[index]);
      const viaLiteral = literal && this.walk(literal, path, index + 1, method, memo);
      if (viaLiteral) return viaLiteral;
      const viaOne = node.one && this.walk(node.one, path, index + 1, method, memo);
      if (viaOne) return viaOne;
    }
    const many = node.many;
    if (!many) return undefined;
    // `**` takes as few segments as it can, leaving the rest to more specific parts (a
    // trailing `**` also matches nothing more). From `failedFrom` on, every end is known to fail.
    const failedFrom = memo.failedFrom?.get(many) ?? path.length + 1;
    for (let end = index; end < failedFrom; end++) {
      const found = this.walk(many, path, end, method, memo);
      if (found) return found;
    }
    (memo.failedFrom ??= new Map()).set(many, Math.min(index, failedFrom));
    return undefined;
  }

  private pick(node: Node<T>, method: string): T | undefined {
    return node.rules.find((rule) => rule.methods.length === 0 || rule.methods.includes(method));
  }

  /** matchAll's walk: `walk`'s order, every rule instead of the first. */
  private collect(
    node: Node<T>,
    path: readonly string[],
    index: number,
    method: string,
    found: T[],
    memo: CollectMemo<T>,
  ): void {
    let seen = memo.visited.get(node);
    if (!seen) memo.visited.set(node, (seen = new Set()));
    if (seen.has(index)) return;
    seen.add(index);
    if (index === path.length) {
      for (const rule of node.rules) {
        if (rule.methods.length === 0 || rule.methods.includes(method)) found.push(rule);
      }
    } else {
      const literal = node.literal.get(path[index]);
      if (literal) this.collect(literal, path, index + 1, method, found, memo);
      if (node.one) this.collect(node.one, path, index + 1, method, found, memo);
    }
    const many = node.many;
    if (!many) return;
    // Entered before from an earlier segment, `**` has already tried every end from there on.
    const until = memo.enteredFrom.get(many) ?? path.length + 1;
    for (let end = index; end < until; end++) this.collect(many, path, end, method, found, memo);
    memo.enteredFrom.set(many, Math.min(index, until));
  }
}
