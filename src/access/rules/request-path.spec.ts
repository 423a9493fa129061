import { expect } from 'expect';
import { describe, it } from 'node:test';
import { ACCEPTED, REFUSED } from '../../../test/support/path-vectors';
import { requestPath } from './request-path';

describe(requestPath.name, () => {
  for (const [uri, problem] of REFUSED) {
    it(`refuses ${JSON.stringify(uri)}: ${problem}`, () => {
      expect(requestPath(uri)).toEqual({ problem });
    });
  }

  for (const [uri, segments] of ACCEPTED) {
    it(`reads ${JSON.stringify(uri)} as ${JSON.stringify(segments)}`, () => {
      expect(requestPath(uri)).toEqual({ segments });
    });
  }

  it('refuses every raw control character, DEL and non-ASCII byte', () => {
    for (let code = 0; code < 256; code++) {
      if (code > 0x20 && code < 0x7f) continue;
      const uri = `/public/a${String.fromCharCode(code)}b`;
      expect({ code, result: requestPath(uri) }).toEqual({
        code,
        result: { problem: 'raw_character' },
      });
    }
  });

  it('refuses every encoded control character', () => {
    for (let code = 0; code < 0x20; code++) {
      const uri = `/public/a%${code.toString(16).padStart(2, '0')}b`;
      expect({ code, result: requestPath(uri) }).toEqual({
        code,
        result: { problem: 'control_character' },
      });
    }
  });

  it('refuses every character that NFKC folds into a dot or a separator', () => {
    let found = 0;
    for (let code = 0xa0; code <= 0xffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const char = String.fromCharCode(code);
      if (!/[./\\;%?#]/.test(char.normalize('NFKC'))) continue;
      found++;
      const uri = `/public/x${encodeURIComponent(char)}y`;
      expect({ code, result: requestPath(uri) }).toEqual({
        code,
        result: { problem: 'lookalike' },
      });
    }
    // U+FF0E, U+2024, U+2025, U+2026, U+FE52, U+FF0F, U+FF3C, U+FE68, U+FF1B and others.
    expect(found).toBeGreaterThan(20);
  });

  it('reads a long plain path in one pass', () => {
    const uri = `/${Array<string>(5000).fill('a').join('/')}`;
    expect(requestPath(uri).segments).toHaveLength(5000);
  });
});
