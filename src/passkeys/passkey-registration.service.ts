import { Injectable } from '@nestjs/common';
import {
  generateRegistrationOptions,
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { AuditContext } from '../events/audit-context';
import { User } from '../users/user';
import { CEREMONY_TTL_MS, PasskeyChallenges } from './passkey-challenges.service';
import { ceremonyRefused, NO_CEREMONY } from './passkey-errors';
import { PasskeyEntity } from './passkey.entities';
import { Passkeys } from './passkeys.service';
import { RelyingParty } from './relying-party';

const NOT_A_REGISTRATION = 'is not a valid passkey registration for this site';

/** ES256 and RS256 (RFC 9053 / RFC 8812), what authenticators offer; EdDSA as well. */
const ALGORITHMS = [-8, -7, -257];

export interface RegistrationStart {
  cookie: string;
  options: PublicKeyCredentialCreationOptionsJSON;
}

/**
 * Enrolling a passkey (WebAuthn §7.1): options with a server-side challenge bound to the
 * person, then the attestation checked against that challenge, our origins and RP ID. We ask
 * for a discoverable credential (§6.2.2, residentKey `required`) so that it can sign in
 * without a username, and for no attestation (`none`): we do not judge authenticator makes.
 */
@Injectable()
export class PasskeyRegistration {
  constructor(
    private readonly relyingParty: RelyingParty,
    private readonly challenges: PasskeyChallenges,
    private readonly passkeys: Passkeys,
  ) {}

  async start(user: User): Promise<RegistrationStart> {
    const rp = this.relyingParty.settings();
    const existing = await this.passkeys.listFor(user.id);
    const issued = await this.challenges.issue('register', user.id);
    const options = await generateRegistrationOptions({
      rpName: rp.rpName,
      rpID: rp.rpId,
      userName: user.username,
      userDisplayName: user.name ?? user.username,
      // §5.4.3: the user handle is the `sub`, never the username.
      userID: new TextEncoder().encode(user.id),
      challenge: Buffer.from(issued.challenge, 'base64url'),
      timeout: CEREMONY_TTL_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((passkey) => ({
        id: passkey.credentialId,
        transports: passkey.transports as never,
      })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      supportedAlgorithmIDs: ALGORITHMS,
    });
    return { cookie: issued.cookie, options };
  }

  /**
   * Checks the browser's answer against the ceremony `cookie` began for `user`; keeps the
   * passkey under `name`. The challenge is gone after this, whatever the outcome.
   */
  async finish(
    user: User,
    cookie: string | undefined,
    response: RegistrationResponseJSON,
    name: string,
    context: AuditContext,
  ): Promise<PasskeyEntity> {
    const rp = this.relyingParty.settings();
    const pending = await this.challenges.consume(cookie, 'register');
    if (!pending || pending.userId !== user.id) throw ceremonyRefused(NO_CEREMONY);
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: pending.challenge,
        expectedOrigin: [...rp.origins],
        expectedRPID: rp.rpId,
        requireUserVerification: true,
        supportedAlgorithmIDs: ALGORITHMS,
      });
    } catch (error) {
      throw ceremonyRefused(NOT_A_REGISTRATION, error);
    }
    if (!verified.verified) throw ceremonyRefused(NOT_A_REGISTRATION);
    const info = verified.registrationInfo;
    return this.passkeys.add(
      user.id,
      {
        credentialId: info.credential.id,
        publicKey: info.credential.publicKey,
        signCount: info.credential.counter,
        transports: response.response.transports ?? [],
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        name,
      },
      context,
    );
  }
}
