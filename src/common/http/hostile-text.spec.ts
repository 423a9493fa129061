import { expect } from 'expect';
import { describe, it } from 'node:test';
import {
  decodeComponent,
  decodeUtf8,
  headerValueProblem,
  MAX_TEXT_LENGTH,
  textProblem,
} from './hostile-text';

describe(textProblem.name, () => {
  const sut = textProblem;

  it('accepts ordinary text, surrogate pairs (emoji) and, in free text, tab, LF and CR', () => {
    for (const value of ['', 'alice', 'Zoë 😀 日本', 'a\tb\r\nc', 'x'.repeat(MAX_TEXT_LENGTH)]) {
      expect(sut(value)).toBeUndefined();
    }
  });

  it('refuses NUL, other C0 controls, and in names tab, LF and CR too', () => {
    expect(sut('a\0b')).toBe('contains a NUL character');
    expect(sut('a\x01b')).toBe('contains a control character');
    expect(sut('a\x1fb')).toBe('contains a control character');
    for (const value of ['a\tb', 'a\nb', 'a\rb']) {
      expect(sut(value, 'name')).toBe('contains a control character');
    }
    expect(sut('a\0b', 'name')).toBe('contains a NUL character');
  });

  it('refuses a lone surrogate, high or low, anywhere', () => {
    for (const value of ['\ud800', 'a\ud800b', 'a\udc00', '\udc00\ud800', '😀\ud83d']) {
      expect(sut(value)).toBe('contains a lone surrogate');
    }
  });

  it('refuses more than MAX_TEXT_LENGTH characters', () => {
    expect(sut('x'.repeat(MAX_TEXT_LENGTH + 1))).toBe(
      `is longer than ${MAX_TEXT_LENGTH} characters`,
    );
  });
});

describe(decodeComponent.name, () => {
  const sut = decodeComponent;

  it('decodes well-formed percent-encoded UTF-8, and + as a space only in forms', () => {
    expect(sut('caf%C3%A9%20%E2%82%AC')).toBe('café €');
    expect(sut('a+b')).toBe('a+b');
    expect(sut('a+b%2B', true)).toBe('a b+');
    expect(sut('%F0%9F%98%80')).toBe('😀');
  });

  it('refuses what is not UTF-8: stray, overlong, surrogate, truncated, malformed', () => {
    for (const value of ['%ff', '%c0%ae', '%ed%a0%80', '%e2%82', '%zz', 'a%', '%f4%90%80%80']) {
      expect({ value, decoded: sut(value) }).toEqual({ value, decoded: undefined });
    }
  });

  it('decodes NUL, which the text rules then refuse', () => {
    expect(sut('a%00b')).toBe('a\0b');
  });
});

describe(decodeUtf8.name, () => {
  it('reads UTF-8 and refuses malformed bytes', () => {
    expect(decodeUtf8(Buffer.from('Zoë'))).toBe('Zoë');
    expect(decodeUtf8(Buffer.from([0x61, 0xff]))).toBeUndefined();
    expect(decodeUtf8(Buffer.from([0xc0, 0xae]))).toBeUndefined();
    expect(decodeUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBeUndefined();
  });
});

describe(headerValueProblem.name, () => {
  const sut = headerValueProblem;

  it('accepts ASCII with tabs, and UTF-8 bytes as Node reads them (ISO-8859-1)', () => {
    expect(sut('Mozilla/5.0\t(X11)')).toBeUndefined();
    expect(sut(Buffer.from('Zoë').toString('latin1'))).toBeUndefined();
  });

  it('refuses controls and bytes that are not UTF-8', () => {
    expect(sut('a\0b')).toBe('contains a control character');
    expect(sut('a\x7fb')).toBe('contains a control character');
    expect(sut('agent \xff\xfe')).toBe('is not valid UTF-8');
  });
});
