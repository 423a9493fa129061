import { expect } from 'expect';
import { describe, it } from 'node:test';
import { defaultRegistrationScope as sut } from './registration-scope';

describe(sut.name, () => {
  it('gives the OpenID Connect scopes to a code-flow client, the default grant included', () => {
    expect(sut(undefined)).toBe('openid profile email');
    expect(sut(['authorization_code'])).toBe('openid profile email');
  });

  it('adds offline_access only with refresh_token', () => {
    expect(sut(['authorization_code', 'refresh_token'])).toBe(
      'openid profile email offline_access',
    );
  });

  it('gives nothing without authorization_code, and never an iam: scope', () => {
    expect(sut(['client_credentials'])).toBe('');
    for (const grants of [undefined, ['authorization_code', 'refresh_token', 'client_credentials']])
      expect(sut(grants as never)).not.toMatch(/iam:/);
  });
});
