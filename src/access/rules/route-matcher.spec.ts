import { expect } from 'expect';
import { describe, it } from 'node:test';
import { normalizePath, pathPatternProblem, RouteMatcher, RoutePattern } from './route-matcher';

const rule = (id: string, path: string, methods: string[] = []): RoutePattern => ({
  id,
  path,
  methods,
});

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
  const match = (method: string, path: string) => sut.match(method, path)?.id;

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
    expect(narrow.match('GET', '/y')).toBeUndefined();
    expect(narrow.match('POST', '/x')).toBeUndefined();
    expect(narrow.match('GET', '/x')?.id).toBe('x');
  });

  it('judges the normalized path: query dropped, dot segments resolved', () => {
    const narrow = new RouteMatcher([rule('public', '/public/**'), rule('admin', '/admin/**')]);
    expect(narrow.match('GET', '/public/../admin/users')?.id).toBe('admin');
    expect(narrow.match('GET', '/public/x?next=/admin')?.id).toBe('public');
    expect(narrow.match('GET', '//public//./x')?.id).toBe('public');
  });
});

describe(normalizePath.name, () => {
  it('decodes segments but keeps an encoded slash', () => {
    expect(normalizePath('/a%20b/c%2Fd?x=1#f')).toBe('/a b/c%2Fd');
    expect(normalizePath('/%61dmin')).toBe('/admin');
  });

  it('never climbs above the root', () => {
    expect(normalizePath('/../../etc')).toBe('/etc');
  });

  it('resolves encoded dot segments, keeps a malformed escape as sent, and stops at ? or #', () => {
    expect(normalizePath('/public/%2e%2E/admin')).toBe('/admin');
    expect(normalizePath('/a/%zz/%E0%A4%A')).toBe('/a/%zz/%E0%A4%A');
    expect(normalizePath('/a/b#frag/c')).toBe('/a/b');
    expect(normalizePath('/a/b?x=/c/../d')).toBe('/a/b');
    expect(normalizePath('?x=1')).toBe('/');
    expect(normalizePath('')).toBe('/');
    expect(normalizePath('relative/path/')).toBe('/relative/path');
  });
});

describe(pathPatternProblem.name, () => {
  it('accepts patterns and names the problem of bad ones', () => {
    expect(pathPatternProblem('/invoices/*/lines/**')).toBeUndefined();
    expect(pathPatternProblem('invoices')).toBe('must start with /');
    expect(pathPatternProblem('/in*voices')).toBe('a wildcard must be a whole segment: * or **');
    expect(pathPatternProblem('/a/../b')).toBe('must not contain . or .. segments');
    expect(pathPatternProblem('/a?b')).toBe('must not contain a query, fragment or whitespace');
  });
});
