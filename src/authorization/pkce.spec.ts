import { expect } from 'expect';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { PKCE_SYNTAX, pkceVerifies } from './pkce';

/** RFC 7636 Appendix B: the worked example. */
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

describe('PKCE_SYNTAX', () => {
  const sut = PKCE_SYNTAX;

  it('accepts 43 to 128 unreserved characters (RFC 7636 §4.1)', () => {
    expect(sut.test('a'.repeat(43))).toBe(true);
    expect(sut.test('A'.repeat(128))).toBe(true);
    expect(sut.test('azAZ09-._~'.repeat(5))).toBe(true);
    expect(sut.test(RFC_CHALLENGE)).toBe(true);
  });

  it('refuses fewer than 43 or more than 128 characters', () => {
    expect(sut.test('a'.repeat(42))).toBe(false);
    expect(sut.test('a'.repeat(129))).toBe(false);
    expect(sut.test('')).toBe(false);
  });

  it('refuses characters outside [A-Z a-z 0-9 - . _ ~]', () => {
    for (const bad of ['+', '/', '=', ' ', '%', 'é']) {
      expect(sut.test('a'.repeat(42) + bad)).toBe(false);
    }
  });
});

describe(pkceVerifies.name, () => {
  const sut = pkceVerifies;

  it('verifies the RFC 7636 Appendix B example', () => {
    expect(sut(RFC_VERIFIER, RFC_CHALLENGE)).toBe(true);
  });

  it('verifies BASE64URL(SHA256(verifier)) for a verifier of the longest length', () => {
    const verifier = 'x'.repeat(128);
    expect(sut(verifier, s256(verifier))).toBe(true);
  });

  it('refuses a verifier that does not hash to the challenge', () => {
    expect(sut(RFC_VERIFIER.replace(/k$/, 'K'), RFC_CHALLENGE)).toBe(false);
  });

  it('refuses the plain method: the verifier itself is not a valid challenge', () => {
    expect(sut(RFC_VERIFIER, RFC_VERIFIER)).toBe(false);
  });

  it('refuses a verifier of bad syntax even when its hash matches', () => {
    const short = 'a'.repeat(42);
    expect(sut(short, s256(short))).toBe(false);
    const withSpace = `${'a'.repeat(42)} `;
    expect(sut(withSpace, s256(withSpace))).toBe(false);
  });

  it('refuses a challenge of another length without throwing', () => {
    expect(sut(RFC_VERIFIER, RFC_CHALLENGE.slice(0, -1))).toBe(false);
    expect(sut(RFC_VERIFIER, `${RFC_CHALLENGE}A`)).toBe(false);
    expect(sut(RFC_VERIFIER, '')).toBe(false);
  });
});
