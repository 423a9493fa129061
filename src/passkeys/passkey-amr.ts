import { AuthenticationMethod } from '../authorization/authentication-context';

/** What the authenticator reported about a passkey in one assertion. */
export interface PasskeyUse {
  /** `singleDevice`: the BE flag is clear, the key cannot leave its authenticator. */
  deviceType: 'singleDevice' | 'multiDevice';
  /** The UV flag (WebAuthn §6.1): the authenticator verified the person (PIN, biometric). */
  userVerified: boolean;
}

/**
 * RFC 8176 §2 methods of one passkey assertion: `hwk` for a key bound to one authenticator
 * (backup-ineligible), `swk` for a synced one, whose private key lives in software beyond a
 * single device; `user` for the user presence test every assertion passes (the UP flag is
 * required); and, with user verification, `mfa`: the authenticator also checked something the
 * person knows or is (docs/decisions/0318-passkey-amr-and-user-verification.md).
 */
export function passkeyAmr(use: PasskeyUse): AuthenticationMethod[] {
  const key = use.deviceType === 'singleDevice' ? 'hwk' : 'swk';
  return use.userVerified ? [key, 'user', 'mfa'] : [key, 'user'];
}

/** The methods the passkey adds as a second factor, without its own `mfa`. */
export function passkeyFactor(use: PasskeyUse): AuthenticationMethod[] {
  return passkeyAmr(use).filter((method) => method !== 'mfa');
}
