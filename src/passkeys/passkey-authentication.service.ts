import { Injectable } from '@nestjs/common';
import {
  AuthenticationResponseJSON,
  generateAuthenticationOptions,
  PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import { AuthenticationMethod } from '../authorization/authentication-context';
import { AuditContext } from '../events/audit-context';
import { AuditLog } from '../events/audit-log.service';
import { User } from '../users/user';
import { UsersService } from '../users/users.service';
import { passkeyAmr, PasskeyUse } from './passkey-amr';
import { CEREMONY_TTL_MS, CeremonyPurpose, PasskeyChallenges } from './passkey-challenges.service';
import { Passkeys } from './passkeys.service';
import { RelyingParty } from './relying-party';
import { signCountRegressed } from './sign-count';

type AssertionPurpose = Exclude<CeremonyPurpose, 'register'>;

export interface AssertionStart {
  cookie: string;
  options: PublicKeyCredentialRequestOptionsJSON;
}

/** Why an assertion was refused, as the audit log records it. */
export type AssertionFailure =
  | 'no_ceremony'
  | 'unknown_credential'
  | 'other_user'
  | 'user_handle_mismatch'
  | 'inactive_user'
  | 'wrong_origin'
  | 'wrong_rp_id'
  | 'user_not_verified'
  | 'invalid_assertion'
  | 'counter_regressed';

export type AssertionOutcome =
  | {
      kind: 'verified';
      user: User;
      amr: AuthenticationMethod[];
      use: PasskeyUse;
      passkeyId: string;
    }
  | { kind: 'refused'; reason: AssertionFailure; userId?: string };

/**
 * Proving possession of a passkey (WebAuthn §7.2). `sign-in`: usernameless, discoverable
 * credentials, user verification required (the passkey is the only factor presented).
 * `second-factor`: after the password, only that person's passkeys, user verification
 * preferred (docs/decisions/0318-passkey-amr-and-user-verification.md).
 */
@Injectable()
export class PasskeyAuthentication {
  constructor(
    private readonly relyingParty: RelyingParty,
    private readonly challenges: PasskeyChallenges,
    private readonly passkeys: Passkeys,
    private readonly users: UsersService,
    private readonly audit: AuditLog,
  ) {}

  /** Options for `purpose`; `userId` (second factor) lists that person's passkeys. */
  async start(purpose: AssertionPurpose, userId: string | null): Promise<AssertionStart> {
    const rp = this.relyingParty.settings();
    const allowed = userId ? await this.passkeys.listFor(userId) : [];
    const issued = await this.challenges.issue(purpose, userId);
    const options = await generateAuthenticationOptions({
      rpID: rp.rpId,
      challenge: Buffer.from(issued.challenge, 'base64url'),
      timeout: CEREMONY_TTL_MS,
      userVerification: purpose === 'sign-in' ? 'required' : 'preferred',
      allowCredentials: allowed.map((passkey) => ({
        id: passkey.credentialId,
        transports: passkey.transports as never,
      })),
    });
    return { cookie: issued.cookie, options };
  }

  /**
   * Checks an assertion against the ceremony `cookie` began for `purpose` (consumed whatever
   * the outcome). A counter that went back is audited as passkey.counter_regressed.
   */
  async finish(
    purpose: AssertionPurpose,
    cookie: string | undefined,
    response: AuthenticationResponseJSON,
    context: AuditContext,
  ): Promise<AssertionOutcome> {
    const rp = this.relyingParty.settings();
    const pending = await this.challenges.consume(cookie, purpose);
    if (!pending) return { kind: 'refused', reason: 'no_ceremony' };
    const passkey = await this.passkeys.findByCredentialId(response.id);
    if (!passkey) return { kind: 'refused', reason: 'unknown_credential' };
    const userId = passkey.userId;
    // A second factor is the pending person's own passkey, never another account's.
    if (pending.userId !== null && pending.userId !== userId) {
      return { kind: 'refused', reason: 'other_user', userId: pending.userId };
    }
    // §7.2 step 6: the user handle, when given, names the credential's owner.
    const handle = response.response.userHandle;
    if (handle !== undefined && Buffer.from(handle, 'base64url').toString('utf8') !== userId) {
      return { kind: 'refused', reason: 'user_handle_mismatch', userId };
    }
    const user = await this.users.findActive(userId);
    if (!user) return { kind: 'refused', reason: 'inactive_user', userId };

    let verified;
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: pending.challenge,
        expectedOrigin: [...rp.origins],
        expectedRPID: rp.rpId,
        expectedType: 'webauthn.get',
        requireUserVerification: purpose === 'sign-in',
        credential: {
          id: passkey.credentialId,
          publicKey: new Uint8Array(passkey.publicKey),
          // The counter is judged below (sign-count.ts), so that a regression is told apart.
          counter: 0,
          transports: passkey.transports,
        },
      });
    } catch (error) {
      return { kind: 'refused', reason: failureOf(error), userId };
    }
    if (!verified.verified) return { kind: 'refused', reason: 'invalid_assertion', userId };
    const info = verified.authenticationInfo;
    const regressed =
      signCountRegressed(passkey.signCount, info.newCounter) ||
      !(await this.passkeys.recordUse(passkey, info.newCounter, info.credentialBackedUp));
    if (regressed) {
      await this.audit.record({
        ...context,
        type: 'passkey.counter_regressed',
        outcome: 'failure',
        target: { type: 'user', id: userId },
        details: { passkey_id: passkey.id, stored: passkey.signCount, received: info.newCounter },
      });
      return { kind: 'refused', reason: 'counter_regressed', userId };
    }
    const use = { deviceType: info.credentialDeviceType, userVerified: info.userVerified };
    return { kind: 'verified', user, passkeyId: passkey.id, use, amr: passkeyAmr(use) };
  }
}

/** What the verifier's message says went wrong, for the audit log. */
function failureOf(error: unknown): AssertionFailure {
  const message = error instanceof Error ? error.message : '';
  if (/origin/i.test(message)) return 'wrong_origin';
  if (/RP ID/i.test(message)) return 'wrong_rp_id';
  if (/user.*verif/i.test(message)) return 'user_not_verified';
  return 'invalid_assertion';
}
