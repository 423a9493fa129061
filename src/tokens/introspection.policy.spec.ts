import { expect } from 'expect';
import { describe, it } from 'node:test';
import { Introspector, mayIntrospect, tokenKind } from './introspection.policy';

const ISSUER = 'https://id.example.com';
const API = 'https://api.example.com';

describe(tokenKind.name, () => {
  const sut = tokenKind;

  it('a JWS compact serialization is an access token', () => {
    expect(sut('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl')).toBe('access_token');
  });

  it('opaque base64url is a refresh token', () => {
    expect(sut('Qk9C2y5nKq3H1vXyZ-_0abcdefghijklmnopqrstuvw')).toBe('refresh_token');
  });

  for (const token of ['a b', 'a.b', 'a.b.c.d', '...', 'abc=', 'a/b+c']) {
    it(`'${token}' is no token of ours`, () => {
      expect(sut(token)).toBeUndefined();
    });
  }
});

describe(mayIntrospect.name, () => {
  const sut = mayIntrospect;
  const caller = (overrides: Partial<Introspector> = {}): Introspector => ({
    clientId: 'resource-server',
    scopes: [],
    audience: [],
    ...overrides,
  });

  it('a token issued to the caller is its business', () => {
    expect(sut(caller(), { clientId: 'resource-server', aud: ISSUER }, ISSUER)).toBe(true);
  });

  it("another client's token is not", () => {
    expect(sut(caller(), { clientId: 'web', aud: API }, ISSUER)).toBe(false);
    expect(sut(caller(), { clientId: 'web' }, ISSUER)).toBe(false);
  });

  it("a token addressed to one of the caller's audiences is, as a string or in an array", () => {
    const rs = caller({ audience: [API] });
    expect(sut(rs, { clientId: 'web', aud: API }, ISSUER)).toBe(true);
    expect(sut(rs, { clientId: 'web', aud: ['https://other.example.com', API] }, ISSUER)).toBe(
      true,
    );
    expect(sut(rs, { clientId: 'web', aud: 'https://other.example.com' }, ISSUER)).toBe(false);
  });

  it('the issuer as a registered audience opens nothing', () => {
    const rs = caller({ audience: [ISSUER] });
    expect(sut(rs, { clientId: 'web', aud: ISSUER }, ISSUER)).toBe(false);
    expect(sut(rs, { clientId: 'web', aud: [ISSUER] }, ISSUER)).toBe(false);
  });

  it('a caller holding iam:check may look at any token', () => {
    const pdp = caller({ scopes: ['reports:read', 'iam:check'] });
    expect(sut(pdp, { clientId: 'web', aud: API }, ISSUER)).toBe(true);
    expect(sut(pdp, { clientId: 'web' }, ISSUER)).toBe(true);
  });

  it('iam:admin alone is not iam:check', () => {
    expect(sut(caller({ scopes: ['iam:admin'] }), { clientId: 'web' }, ISSUER)).toBe(false);
  });
});
