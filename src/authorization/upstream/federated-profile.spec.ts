import { expect } from 'expect';
import { describe, it } from 'node:test';
import { USERNAME_SYNTAX } from '../../users/password.policy';
import {
  baseUsername,
  federatedAmr,
  textClaim,
  upstreamEmail,
  usernameCandidates,
} from './federated-profile';

const claims = (more: Record<string, unknown>) => ({ iss: 'https://idp', sub: 's', ...more });

describe(federatedAmr.name, () => {
  it('records fed, with the RFC 8176 values the upstream reported, mfa last', () => {
    expect(federatedAmr(['mfa', 'otp', 'pwd', 'otp'])).toEqual(['otp', 'pwd', 'fed', 'mfa']);
  });

  it('drops values RFC 8176 does not register, and anything not a string', () => {
    expect(federatedAmr(['pwd', 'fed', 'magic', 7, null])).toEqual(['pwd', 'fed']);
  });

  it('an upstream that reports nothing gives fed alone', () => {
    expect(federatedAmr(undefined)).toEqual(['fed']);
    expect(federatedAmr('pwd')).toEqual(['fed']);
  });
});

describe(upstreamEmail.name, () => {
  it('is verified only when email_verified is the boolean true (OIDC Core §5.1)', () => {
    expect(upstreamEmail(claims({ email: 'a@b.example', email_verified: true }))).toEqual({
      email: 'a@b.example',
      verified: true,
    });
    for (const said of ['true', 1, undefined, false]) {
      expect(upstreamEmail(claims({ email: 'a@b.example', email_verified: said }))).toEqual({
        email: 'a@b.example',
        verified: false,
      });
    }
  });

  it('ignores what is not an address we would store', () => {
    for (const email of ['nope', 'a@b', `${'a'.repeat(250)}@b.example`, 'a\r\n@b.example', 5]) {
      expect(upstreamEmail(claims({ email, email_verified: true }))).toBeNull();
    }
  });
});

describe(baseUsername.name, () => {
  it('starts from preferred_username, then the email, then "user", within our syntax', () => {
    expect(baseUsername(claims({ preferred_username: 'alice' }))).toBe('alice');
    expect(baseUsername(claims({ email: 'bob.smith@x.example' }))).toBe('bob.smith');
    expect(baseUsername(claims({}))).toBe('user');
  });

  it('strips what the syntax refuses and pads what is too short', () => {
    expect(baseUsername(claims({ preferred_username: 'Zoë <script>' }))).toBe('Zoescript');
    expect(baseUsername(claims({ preferred_username: '李' }))).toMatch(USERNAME_SYNTAX);
    expect(baseUsername(claims({ preferred_username: 'x'.repeat(150) }))).toHaveLength(50);
    expect(baseUsername(claims({ preferred_username: 'x'.repeat(300) }))).toBe('user');
  });
});

describe(usernameCandidates.name, () => {
  it('tries the base first, then with random suffixes, all valid usernames', () => {
    const names = usernameCandidates('alice');
    expect(names[0]).toBe('alice');
    expect(names).toHaveLength(5);
    for (const name of names.slice(1)) expect(name).toMatch(/^alice-[0-9a-f]{6}$/);
  });
});

describe(textClaim.name, () => {
  it('keeps bounded text without control characters', () => {
    expect(textClaim(' Alice ', 10)).toBe('Alice');
    expect(textClaim('a\u0000b', 10)).toBeNull();
    expect(textClaim('x'.repeat(11), 10)).toBeNull();
    expect(textClaim(['a'], 10)).toBeNull();
  });
});
