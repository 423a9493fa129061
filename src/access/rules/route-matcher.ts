/** The parts of a rule the matcher needs. */
export interface RoutePattern {
  id: string;
  /** Upper-case methods; empty means any. */
  methods: string[];
  /** `/invoices/*\/lines/**`: `*` matches one segment, `**` any number (zero or more). */
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

function segments(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

/** Whether a path pattern is well formed: absolute, no empty or dot segments, `**` whole. */
export function pathPatternProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with /';
  if (path.length > 1000) return 'must be at most 1000 characters';
  for (const segment of segments(path)) {
    if (segment === '.' || segment === '..') return 'must not contain . or .. segments';
    if (segment.includes('*') && segment !== '*' && segment !== '**') {
      return 'a wildcard must be a whole segment: * or **';
    }
    if (/[?#\s]/.test(segment)) return 'must not contain a query, fragment or whitespace';
  }
  return undefined;
}

/**
 * Gateway route matching (CONTRACT §4) on a segment trie, so the cost follows the path's length,
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

  match(method: string, path: string): T | undefined {
    return this.walk(this.root, pathSegments(path), 0, method.toUpperCase());
  }

  private add(rule: T): void {
    let node = this.root;
    for (const segment of segments(rule.path)) {
      if (segment === '**') node = node.many ??= newNode();
      else if (segment === '*') node = node.one ??= newNode();
      else {
        let next = node.literal.get(segment);
        if (!next) node.literal.set(segment, (next = newNode()));
        node = next;
      }
    }
    node.rules.push(rule);
    node.rules.sort((a, b) => Number(a.methods.length === 0) - Number(b.methods.length === 0));
  }

  private walk(node: Node<T>, path: string[], index: number, method: string): T | undefined {
    if (index === path.length) {
      const here = this.pick(node, method);
      if (here) return here;
      // A trailing `**` also matches nothing more.
      return node.many ? this.walk(node.many, path, index, method) : undefined;
    }
    const literal = node.literal.get(path[index]);
    const viaLiteral = literal && this.walk(literal, path, index + 1, method);
    if (viaLiteral) return viaLiteral;
    const viaOne = node.one && this.walk(node.one, path, index + 1, method);
    if (viaOne) return viaOne;
    if (node.many) {
      // `**` takes as few segments as it can, leaving the rest to more specific parts.
      for (let end = index; end <= path.length; end++) {
        const found = this.walk(node.many, path, end, method);
        if (found) return found;
      }
    }
    return undefined;
  }

  private pick(node: Node<T>, method: string): T | undefined {
    return node.rules.find((rule) => rule.methods.length === 0 || rule.methods.includes(method));
  }
}

/**
 * The path part of a request URI as the upstream will see it: query and fragment dropped, each
 * segment percent-decoded (an encoded `/` stays encoded), empty segments collapsed, and dot
 * segments resolved (RFC 3986 §5.2.4) so `/public/../admin` is judged as `/admin`.
 */
export function normalizePath(uri: string): string {
  return `/${pathSegments(uri).join('/')}`;
}

/** The segments of normalizePath(uri), as the matcher walks them. */
function pathSegments(uri: string): string[] {
  const resolved: string[] = [];
  const end = pathEnd(uri);
  let start = 0;
  while (start <= end) {
    let stop = uri.indexOf('/', start);
    if (stop === -1 || stop > end) stop = end;
    const segment = decodeSegment(uri.slice(start, stop));
    start = stop + 1;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') resolved.pop();
    else resolved.push(segment);
  }
  return resolved;
}

/** Where the path ends: at the query or fragment, if any. */
function pathEnd(uri: string): number {
  for (let i = 0; i < uri.length; i++) {
    const code = uri.charCodeAt(i);
    if (code === 0x3f /* ? */ || code === 0x23 /* # */) return i;
  }
  return uri.length;
}

function decodeSegment(encoded: string): string {
  if (!encoded.includes('%') || /%2f/i.test(encoded)) return encoded;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}
