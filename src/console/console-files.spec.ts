import { expect } from 'expect';
import { describe, it } from 'node:test';
import { consolePath } from './console.controller';
import { isSafeRelative } from './console-files';

describe('consolePath', () => {
  it('is the path under /console, decoded once, without the query or a trailing slash', () => {
    expect(consolePath('/console')).toBe('');
    expect(consolePath('/console/')).toBe('');
    expect(consolePath('/console/clients/')).toBe('clients');
    expect(consolePath('/console/assets/index-1a.js?v=1')).toBe('assets/index-1a.js');
    expect(consolePath('/console/users/a%20b')).toBe('users/a b');
    expect(consolePath('/console/%252e%252e')).toBe('%2e%2e');
  });

  it('is undefined for dot segments, backslashes, control characters and bad encoding', () => {
    for (const url of [
      '/console/..',
      '/console/../x',
      '/console/%2e%2e/x',
      '/console/a/%2E%2E%2Fb',
      '/console/./index.html',
      '/console/..%5cx',
      '/console/a\\b',
      '/console/%00',
      '/console/a%0ab',
      '/console/%ff',
    ]) {
      expect({ url, path: consolePath(url) }).toEqual({ url, path: undefined });
    }
  });
});

describe('isSafeRelative', () => {
  it('takes plain relative paths', () => {
    expect(isSafeRelative('index.html')).toBe(true);
    expect(isSafeRelative('assets/index-1a2b.js')).toBe(true);
  });

  it('refuses empty, dot, absolute, backslash, colon, control and overlong paths', () => {
    for (const path of [
      '',
      '.',
      '..',
      'a/../b',
      '/etc/passwd',
      'a//b',
      'a\\b',
      'C:x',
      'a\u0000b',
      'a\nb',
      'a/'.repeat(600),
    ]) {
      expect({ path, safe: isSafeRelative(path) }).toEqual({ path, safe: false });
    }
  });
});
