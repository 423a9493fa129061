import { expect } from 'expect';
import { describe, it } from 'node:test';
import { assertionAudienceProblem } from './client-assertion.verifier';

const ISSUER = 'https://id.example.com';
const ISSUER_ONLY = 'aud must be the issuer identifier, as a single string';
const LEGACY = 'aud must name the issuer, the token endpoint or this endpoint';

describe(assertionAudienceProblem.name, () => {
  describe('issuer (the default: OpenID Foundation 2025 audience advisory)', () => {
    const sut = (aud: unknown, path = '/token') =>
      assertionAudienceProblem(aud, ISSUER, path, 'issuer');

    it('accepts the issuer identifier as a single string', () => {
      expect(sut(ISSUER)).toBeUndefined();
      expect(sut(ISSUER, '/introspect')).toBeUndefined();
    });

    for (const [what, aud] of [
      ['the token endpoint', `${ISSUER}/token`],
      ['the endpoint it is presented at', `${ISSUER}/introspect`],
      ['an array of the issuer alone', [ISSUER]],
      ['an array with the issuer and another server', [ISSUER, 'https://other.example.com']],
      ['the issuer with a trailing slash', `${ISSUER}/`],
      ['the issuer in upper case', ISSUER.toUpperCase()],
      ['nothing', undefined],
    ] as const) {
      it(`refuses ${what}`, () => {
        expect(sut(aud, '/introspect')).toBe(ISSUER_ONLY);
      });
    }
  });

  describe('legacy', () => {
    const sut = (aud: unknown, path = '/token') =>
      assertionAudienceProblem(aud, ISSUER, path, 'legacy');

    it('accepts the issuer, the token endpoint and the endpoint presented at, alone or in an array', () => {
      expect(sut(ISSUER)).toBeUndefined();
      expect(sut(`${ISSUER}/token`)).toBeUndefined();
      expect(sut(['https://other.example.com', `${ISSUER}/token`])).toBeUndefined();
      expect(sut(`${ISSUER}/revoke`, '/revoke')).toBeUndefined();
    });

    it('refuses another server, another endpoint, and what is not a string', () => {
      expect(sut('https://other.example.com/token')).toBe(LEGACY);
      expect(sut(`${ISSUER}/revoke`, '/introspect')).toBe(LEGACY);
      expect(sut(`${ISSUER}/userinfo`)).toBe(LEGACY);
      expect(sut([42])).toBe(LEGACY);
      expect(sut(undefined)).toBe(LEGACY);
    });
  });
});
