import { expect } from 'expect';
import { describe, it } from 'node:test';
import { passkeyAmr, passkeyFactor } from './passkey-amr';

describe(passkeyAmr.name, () => {
  it('a key bound to one authenticator is hwk; with user verification it is also mfa', () => {
    expect(passkeyAmr({ deviceType: 'singleDevice', userVerified: true })).toEqual([
      'hwk',
      'user',
      'mfa',
    ]);
    expect(passkeyAmr({ deviceType: 'singleDevice', userVerified: false })).toEqual([
      'hwk',
      'user',
    ]);
  });

  it('a synced passkey is swk', () => {
    expect(passkeyAmr({ deviceType: 'multiDevice', userVerified: true })).toEqual([
      'swk',
      'user',
      'mfa',
    ]);
  });

  it('as a second factor it adds its methods without mfa of its own', () => {
    expect(passkeyFactor({ deviceType: 'multiDevice', userVerified: true })).toEqual([
      'swk',
      'user',
    ]);
  });
});
