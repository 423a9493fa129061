import { expect } from 'expect';
import { describe, it } from 'node:test';
import { ACR_MFA, ACR_PASSWORD, acrOf, meetsAcr, withSecondFactor } from './authentication-context';

describe('authentication context', () => {
  it('a password alone is the password level; with mfa in amr the MFA level', () => {
    expect(acrOf(['pwd'])).toBe(ACR_PASSWORD);
    expect(acrOf(['pwd', 'otp', 'mfa'])).toBe(ACR_MFA);
  });

  it('a level meets itself and lower levels, never a higher or an unknown one', () => {
    expect(meetsAcr(['pwd'], ACR_PASSWORD)).toBe(true);
    expect(meetsAcr(['pwd'], ACR_MFA)).toBe(false);
    expect(meetsAcr(['pwd', 'otp', 'mfa'], ACR_PASSWORD)).toBe(true);
    expect(meetsAcr(['pwd', 'otp', 'mfa'], ACR_MFA)).toBe(true);
    expect(meetsAcr(['pwd', 'otp', 'mfa'], 'urn:other:loa:4')).toBe(false);
  });

  it('a second factor adds its methods and mfa once, in RFC 8176 order', () => {
    expect(withSecondFactor(['pwd'], ['otp'])).toEqual(['pwd', 'otp', 'mfa']);
    expect(withSecondFactor(['pwd', 'otp', 'mfa'], ['otp'])).toEqual(['pwd', 'otp', 'mfa']);
    expect(withSecondFactor(['pwd'], ['hwk', 'user'])).toEqual(['pwd', 'hwk', 'user', 'mfa']);
  });
});
