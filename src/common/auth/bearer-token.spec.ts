import { expect } from 'expect';
import { describe, it } from 'node:test';
import { B64TOKEN, bearerToken } from './bearer-token';

describe('bearerToken (RFC 6750 §2.1)', () => {
  it('reads the b64token after the scheme', () => {
    expect(bearerToken('Bearer abc.DEF-123_~+/')).toBe('abc.DEF-123_~+/');
  });

  it('takes the scheme name in any case (RFC 7235 §2.1)', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect(bearerToken(`${scheme} token`)).toBe('token');
    }
  });

  it('takes one or more spaces after the scheme, and trailing spaces', () => {
    expect(bearerToken('Bearer   token')).toBe('token');
    expect(bearerToken('Bearer token  ')).toBe('token');
  });

  it('keeps trailing "=" padding, and only at the end', () => {
    expect(bearerToken('Bearer abc==')).toBe('abc==');
    expect(bearerToken('Bearer a=b')).toBeUndefined();
    expect(bearerToken('Bearer ==')).toBeUndefined();
  });

  for (const [name, header] of [
    ['absent', undefined],
    ['empty', ''],
    ['the scheme alone', 'Bearer'],
    ['the scheme and a space', 'Bearer '],
    ['no space after the scheme', 'Bearertoken'],
    ['a tab after the scheme', 'Bearer\ttoken'],
    ['a leading space', ' Bearer token'],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a longer scheme name', 'Bearers token'],
    ['two tokens', 'Bearer one two'],
    ['a character outside b64token', 'Bearer tok!en'],
    ['a comma-separated auth-param', 'Bearer token, realm="x"'],
    ['a quoted token', 'Bearer "token"'],
    ['non-ASCII', 'Bearer tökén'],
  ] as const) {
    it(`is undefined for ${name}`, () => {
      expect(bearerToken(header)).toBeUndefined();
    });
  }

  it('B64TOKEN is the token grammar alone', () => {
    expect(B64TOKEN.test('abc-._~+/123==')).toBe(true);
    expect(B64TOKEN.test('')).toBe(false);
    expect(B64TOKEN.test('a b')).toBe(false);
    expect(B64TOKEN.test('=abc')).toBe(false);
  });
});
