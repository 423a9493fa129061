import { expect } from 'expect';
import { describe, it } from 'node:test';
import { User } from '../users/user';
import { claimsForScopes } from './user-claims';

const UPDATED = new Date('2026-03-04T05:06:07.890Z');

function user(overrides: Partial<User> = {}): User {
  return {
    id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    username: 'alice',
    email: 'alice@example.com',
    emailVerified: true,
    name: 'Alice Liddell',
    givenName: 'Alice',
    familyName: 'Liddell',
    attributes: {},
    status: 'active',
    tokensValidAfter: null,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: UPDATED,
    ...overrides,
  };
}

describe(claimsForScopes.name, () => {
  it('gives no claims for no scopes, for openid alone, or for scopes that ask for none', () => {
    expect(claimsForScopes(user(), [])).toEqual({});
    expect(claimsForScopes(user(), ['openid'])).toEqual({});
    expect(claimsForScopes(user(), ['openid', 'offline_access', 'invoices:read'])).toEqual({});
  });

  it('profile gives preferred_username, the names and updated_at in epoch seconds (OIDC Core §5.4)', () => {
    expect(claimsForScopes(user(), ['openid', 'profile'])).toEqual({
      preferred_username: 'alice',
      name: 'Alice Liddell',
      given_name: 'Alice',
      family_name: 'Liddell',
      updated_at: Math.floor(UPDATED.getTime() / 1000),
    });
  });

  it('profile leaves out the names the user does not have', () => {
    const bare = user({ name: null, givenName: null, familyName: null });
    expect(claimsForScopes(bare, ['profile'])).toEqual({
      preferred_username: 'alice',
      updated_at: Math.floor(UPDATED.getTime() / 1000),
    });
  });

  it('email gives email and email_verified, and nothing of the profile', () => {
    expect(claimsForScopes(user(), ['openid', 'email'])).toEqual({
      email: 'alice@example.com',
      email_verified: true,
    });
    expect(claimsForScopes(user({ emailVerified: false }), ['email'])).toEqual({
      email: 'alice@example.com',
      email_verified: false,
    });
  });

  it('email gives nothing when the user has no email address, not even email_verified', () => {
    expect(claimsForScopes(user({ email: null }), ['openid', 'email'])).toEqual({});
  });

  it('profile and email together give both sets, and never the password hash or status', () => {
    const claims = claimsForScopes(user(), ['openid', 'profile', 'email']);
    expect(Object.keys(claims).sort()).toEqual(
      [
        'email',
        'email_verified',
        'family_name',
        'given_name',
        'name',
        'preferred_username',
        'updated_at',
      ].sort(),
    );
    expect(JSON.stringify(claims)).not.toContain('$2b$');
  });
});
