import { expect } from 'expect';
import { describe, it } from 'node:test';
import { parseScope, SCOPE_LIST, SCOPE_TOKEN } from './scope-syntax';

describe('scope syntax (RFC 6749 §3.3)', () => {
  it('a scope-token is visible ASCII except " and \\', () => {
    for (const token of ['openid', 'invoices:read', "a!#$%&'()*+,-./:;<=>?@[]^_`{|}~z"])
      expect(SCOPE_TOKEN.test(token)).toBe(true);
    for (const token of ['', 'a b', 'a"b', 'a\\b', 'é', 'a\tb', '\x7f'])
      expect(SCOPE_TOKEN.test(token)).toBe(false);
  });

  it('a scope is tokens with one space between them', () => {
    expect(SCOPE_LIST.test('openid')).toBe(true);
    expect(SCOPE_LIST.test('openid profile invoices:read')).toBe(true);
    for (const scope of ['', ' openid', 'openid ', 'openid  profile', 'openid\tprofile'])
      expect(SCOPE_LIST.test(scope)).toBe(false);
  });

  it('parseScope reads the tokens in order, each once', () => {
    expect(parseScope('openid profile')).toEqual(['openid', 'profile']);
    expect(parseScope('b a b')).toEqual(['b', 'a']);
  });

  it('parseScope reads the empty string as no scope', () => {
    expect(parseScope('')).toEqual([]);
  });

  it('parseScope is undefined for anything else', () => {
    for (const scope of [' ', 'a  b', ' a', 'a ', 'a"b', 'a\\b'])
      expect(parseScope(scope)).toBeUndefined();
  });
});
