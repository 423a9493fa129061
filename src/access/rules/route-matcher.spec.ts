import { expect } from 'expect';
import { describe, it } from 'node:test';
import { requestPath } from './request-path';
import {
  MAX_PATTERN_DOUBLE_STARS,
  MAX_PATTERN_SEGMENTS,
  pathParameters,
  pathPatternProblem,
  RouteMatcher,
  RoutePattern,
} from './route-matcher';

const rule = (id: string, path: string, methods: string[] = []): RoutePattern => ({
  id,
  path,
  methods,
});

/**
 * The matcher as it was, a depth-first walk without memory (exponential in the number of `**`):
 * the reference the memoised walk must agree with.
 */
class ReferenceMatcher {
  private readonly root: RefNode = { literal: new Map(), rules: [] };

  constructor(rules: RoutePattern[]) {
    for (const rule of rules) {
      let node = this.root;
      for (const part of rule.path.split('/').filter(Boolean)) {
        const fresh = (): RefNode => ({ literal: new Map(), rules: [] });
        if (part === '**') node = node.many ??= fresh();
        else if (part === '*') node = node.one ??= fresh();
        else {
          if (!node.literal.has(part)) node.literal.set(part, fresh());
          node = node.literal.get(part)!;
        }
      }
      node.rules.push(rule);
      node.rules.sort((a, b) => Number(a.methods.length === 0) - Number(b.methods.length === 0));
    }
  }

  match(method: string, path: string[]): RoutePattern | undefined {
    return this.walk(this.root, path, 0, method);
  }

  private walk(
    node: RefNode,
    path: string[],
    index: number,
    method: string,
  ): RoutePattern | undefined {
    if (index === path.length) {
      const here = node.rules.find((r) => r.methods.length === 0 || r.methods.includes(method));
      if (here) return here;
      return node.many ? this.walk(node.many, path, index, method) : undefined;
    }
    const literal = node.literal.get(path[index]);
    const viaLiteral = literal && this.walk(literal, path, index + 1, method);
    if (viaLiteral) return viaLiteral;
    const viaOne = node.one && this.walk(node.one, path, index + 1, method);
    if (viaOne) return viaOne;
    if (node.many) {
      for (let end = index; end <= path.length; end++) {
        const found: RoutePattern | undefined = this.walk(node.many, path, end, method);
        if (found) return found;
      }
    }
    return undefined;
  }
}

interface RefNode {
  literal: Map<string, RefNode>;
  one?: RefNode;
  many?: RefNode;
  rules: RoutePattern[];
}

/** The segments the gateway matches for `uri` (request-path.ts). */
function at(uri: string): string[] {
  const { segments, problem } = requestPath(uri);
  if (!segments) throw new Error(`${uri} is refused: ${problem}`);
  return segments;
}

describe(RouteMatcher.name, () => {
  const sut = new RouteMatcher([
    rule('all', '/**'),
    rule('invoices-any', '/invoices/**'),
    rule('invoice', '/invoices/*'),
    rule('invoice-get', '/invoices/*', ['GET']),
    rule('invoice-lines', '/invoices/*/lines/**'),
    rule('invoice-export', '/invoices/export'),
    rule('deep-tail', '/a/**/z'),
    rule('a-b', '/a/b/**'),
    rule('root', '/'),
  ]);
  const match = (method: string, path: string) => sut.match(method, at(path))?.id;

  it('prefers a literal segment to *, and * to **', () => {
    expect(match('POST', '/invoices/export')).toBe('invoice-export');
    expect(match('POST', '/invoices/42')).toBe('invoice');
    expect(match('POST', '/invoices/42/history')).toBe('invoices-any');
  });

  it('prefers a rule naming the method to one for any method', () => {
    expect(match('GET', '/invoices/42')).toBe('invoice-get');
    expect(match('get', '/invoices/42')).toBe('invoice-get');
  });

  it('lets ** match zero or more segments', () => {
    expect(match('GET', '/invoices')).toBe('invoices-any');
    expect(match('GET', '/invoices/42/lines')).toBe('invoice-lines');
    expect(match('GET', '/invoices/42/lines/7/notes')).toBe('invoice-lines');
    expect(match('GET', '/a/z')).toBe('deep-tail');
    expect(match('GET', '/a/x/y/z')).toBe('deep-tail');
  });

  it('compares segment by segment: an earlier literal wins over a later one', () => {
    expect(match('GET', '/a/b/z')).toBe('a-b');
  });

  it('falls back to the catch-all, and the root matches /', () => {
    expect(match('GET', '/elsewhere/deep')).toBe('all');
    expect(match('GET', '/')).toBe('root');
  });

  it('finds nothing without a catch-all', () => {
    const narrow = new RouteMatcher([rule('x', '/x', ['GET'])]);
    expect(narrow.match('GET', at('/y'))).toBeUndefined();
    expect(narrow.match('POST', at('/x'))).toBeUndefined();
    expect(narrow.match('GET', at('/x'))?.id).toBe('x');
  });

  it('judges the normalised path: query dropped, empty segments merged, segments decoded', () => {
    const narrow = new RouteMatcher([rule('public', '/public/**'), rule('admin', '/admin/**')]);
    expect(narrow.match('GET', at('/public/x?next=/admin'))?.id).toBe('public');
    expect(narrow.match('GET', at('/public//x/'))?.id).toBe('public');
    expect(narrow.match('GET', at('/%61dmin/users'))?.id).toBe('admin');
  });

  it('chooses as the plain depth-first search does, for random rules and paths', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const words = ['a', 'b', 'c'];
    for (let round = 0; round < 300; round++) {
      const rules = Array.from({ length: 1 + random(6) }, (_, i) => {
        const parts = Array.from(
          { length: random(5) },
          () => ['a', 'b', '*', '**', '**'][random(5)],
        );
        return rule(`r${i}`, `/${parts.join('/')}`, random(3) === 0 ? ['GET'] : []);
      });
      const sut = new RouteMatcher(rules);
      for (let probe = 0; probe < 10; probe++) {
        const path = Array.from({ length: random(7) }, () => words[random(3)]);
        const named = rules.map((r) => `${r.methods.join()} ${r.path}`);
        expect({ named, path, id: sut.match('GET', path)?.id }).toEqual({
          named,
          path,
          id: new ReferenceMatcher(rules).match('GET', path)?.id,
        });
      }
    }
  });

  it('stays linear with several ** in a rule: 5,000 segments in well under 200 ms', () => {
    // A depth-first walk without memory tries every split of the segments between the `**`s:
    // /**/a/**/a/**/zz against 1,000 segments took 2.4 s.
    const sut = new RouteMatcher([
      rule('greedy', '/**/a/**/a/**/a/**/zz'),
      rule('other', '/**/a/*/a/**/b/**/zz'),
      rule('admin', '/admin/**'),
    ]);
    const path = Array<string>(5000).fill('a');
    const started = process.hrtime.bigint();
    expect(sut.match('GET', path)).toBeUndefined();
    expect(sut.match('GET', [...path, 'zz'])?.id).toBe('greedy');
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    expect(elapsed).toBeLessThan(200);
  });
});

describe('RouteMatcher.matchAll', () => {
  const sut = new RouteMatcher([
    rule('all', '/**'),
    rule('invoices-any', '/invoices/**'),
    rule('invoice', '/invoices/*'),
    rule('invoice-get', '/invoices/*', ['GET']),
    rule('invoice-post', '/invoices/*', ['POST']),
    rule('invoice-export', '/invoices/export'),
    rule('twice', '/**/x/**'),
  ]);
  const all = (method: string, path: string) => sut.matchAll(method, at(path)).map((r) => r.id);

  it('lists every rule for the method and path, most specific first', () => {
    expect(all('GET', '/invoices/export')).toEqual([
      'invoice-export',
      'invoice-get',
      'invoice',
      'invoices-any',
      'all',
    ]);
    expect(all('POST', '/invoices/42')).toEqual(['invoice-post', 'invoice', 'invoices-any', 'all']);
    expect(all('GET', '/invoices')).toEqual(['invoices-any', 'all']);
    expect(all('GET', '/x/x/x')).toEqual(['twice', 'all']);
    expect(new RouteMatcher([rule('x', '/x', ['GET'])]).matchAll('POST', at('/x'))).toEqual([]);
  });

  it('starts with the rule match answers and lists each matching rule once, for random rules and paths', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const rules = Array.from({ length: 1 + random(6) }, (_, i) => {
        const parts = Array.from({ length: random(5) }, () => ['a', 'b', '*', '**'][random(4)]);
        return rule(`r${i}`, `/${parts.join('/')}`, random(3) === 0 ? ['GET'] : []);
      });
      const sut = new RouteMatcher(rules);
      for (let probe = 0; probe < 10; probe++) {
        const path = Array.from({ length: random(6) }, () => ['a', 'b', 'c'][random(3)]);
        const method = random(2) === 0 ? 'GET' : 'POST';
        const listed = sut.matchAll(method, path).map((r) => r.id);
        // A rule matches when a matcher holding it alone matches it.
        const matching = rules
          .filter((r) => new RouteMatcher([r]).match(method, path) !== undefined)
          .map((r) => r.id);
        const named = rules.map((r) => `${r.methods.join()} ${r.path}`);
        expect({ named, path, first: listed[0], listed: [...listed].sort() }).toEqual({
          named,
          path,
          first: sut.match(method, path)?.id,
          listed: matching.sort(),
        });
      }
    }
  });

  it('stays linear with several ** in a rule: 5,000 segments in well under 200 ms', () => {
    const sut = new RouteMatcher([
      rule('greedy', '/**/a/**/a/**/a/**/zz'),
      rule('other', '/**/a/*/a/**/b/**/zz'),
      rule('all', '/**'),
    ]);
    const path = [...Array<string>(5000).fill('a'), 'zz'];
    const started = process.hrtime.bigint();
    expect(sut.matchAll('GET', path).map((r) => r.id)).toEqual(['greedy', 'all']);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(200);
  });
});

describe(pathPatternProblem.name, () => {
  it('accepts patterns and names the problem of bad ones', () => {
    expect(pathPatternProblem('/invoices/*/lines/**')).toBeUndefined();
    expect(pathPatternProblem('invoices')).toBe('must start with /');
    expect(pathPatternProblem('/in*voices')).toBe('a wildcard must be a whole segment: * or **');
    expect(pathPatternProblem('/a/../b')).toBe('must not contain . or .. segments');
    expect(pathPatternProblem('/a?b')).toBe('must not contain a query, fragment or whitespace');
    expect(pathPatternProblem('/a/b./c')).toBe('a segment must not end in . (Windows drops it)');
    expect(pathPatternProblem('/caf%C3%A9')).toBe('must be written decoded, without % escapes');
    expect(pathPatternProblem('/café/**')).toBeUndefined();
    expect(pathPatternProblem('/a;b')).toBe('must be a path the gateway accepts (path_parameter)');
    expect(pathPatternProblem('/a\\b')).toBe('must be a path the gateway accepts (backslash)');
    expect(pathPatternProblem('/a/\uff0e\uff0e')).toBe(
      'must be a path the gateway accepts (lookalike)',
    );
  });

  it('bounds the segments and the ** of a pattern, so no rule makes matching costly', () => {
    const repeated = (n: number, part: string) => `/${Array<string>(n).fill(part).join('/')}`;
    expect(pathPatternProblem(repeated(MAX_PATTERN_SEGMENTS, 'a'))).toBeUndefined();
    expect(pathPatternProblem(repeated(MAX_PATTERN_SEGMENTS + 1, 'a'))).toBe(
      `must have at most ${MAX_PATTERN_SEGMENTS} segments`,
    );
    expect(pathPatternProblem(repeated(MAX_PATTERN_DOUBLE_STARS, '**/a'))).toBeUndefined();
    expect(pathPatternProblem(repeated(MAX_PATTERN_DOUBLE_STARS + 1, '**/a'))).toBe(
      `must have at most ${MAX_PATTERN_DOUBLE_STARS} ** segments`,
    );
  });
});

describe('named segments {name}', () => {
  it('match one segment, like *, and say at which index each name is', () => {
    const sut = new RouteMatcher([
      rule('owned', '/invoices/{id}'),
      rule('lines', '/invoices/{id}/lines/{line}'),
      rule('export', '/invoices/export'),
    ]);
    const match = (path: string) => sut.match('GET', requestPath(path).segments!)?.id;
    expect(match('/invoices/u1')).toBe('owned');
    expect(match('/invoices/export')).toBe('export');
    expect(match('/invoices/u1/lines/7')).toBe('lines');
    expect(match('/invoices/u1/lines')).toBeUndefined();
    expect(pathParameters('/invoices/{id}/lines/{line}')).toEqual([
      ['id', 1],
      ['line', 3],
    ]);
    expect(pathParameters('/invoices/*/**')).toEqual([]);
  });

  it('are whole segments with identifier names, unique, never after **', () => {
    expect(pathPatternProblem('/invoices/{id}/lines/{line_no}')).toBeUndefined();
    for (const path of ['/invoices/{id', '/invoices/a{id}', '/invoices/{1d}', '/invoices/{}']) {
      expect(pathPatternProblem(path)).toBe(
        'a named segment must be a whole segment {name}, the name an identifier',
      );
    }
    expect(pathPatternProblem('/a/{id}/b/{id}')).toBe('must not name two segments alike');
    expect(pathPatternProblem('/a/**/{id}')).toBe('a named segment {name} must not follow **');
  });
});
