import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthorizationModule } from '../authorization/authorization.module';
import { CryptoModule } from '../crypto/crypto.module';
import { EventsModule } from '../events/events.module';
import { UsersModule } from '../users/users.module';
import { AccountPasskeyCeremonyController } from './account-passkey-ceremony.controller';
import { AccountPasskeysController } from './account-passkeys.controller';
import { AdminPasskeysController } from './admin-passkeys.controller';
import { PasskeyAssetsController } from './passkey-assets.controller';
import { PasskeyAuthentication } from './passkey-authentication.service';
import { PasskeyChallenges } from './passkey-challenges.service';
import { PasskeyChallengeEntity, PasskeyEntity } from './passkey.entities';
import { PasskeyRegistration } from './passkey-registration.service';
import { PasskeySecondFactor } from './passkey-second-factor';
import { PasskeySecondFactorController } from './passkey-second-factor.controller';
import { PasskeySignInController } from './passkey-sign-in.controller';
import { Passkeys } from './passkeys.service';
import { RelyingParty } from './relying-party';

/** WebAuthn passkeys: enrolment, passwordless sign-in, admin (docs/passkeys.md). */
@Module({
  imports: [
    TypeOrmModule.forFeature([PasskeyEntity, PasskeyChallengeEntity]),
    EventsModule,
    CryptoModule,
    UsersModule,
    AuthorizationModule,
  ],
  controllers: [
    PasskeySignInController,
    PasskeySecondFactorController,
    AccountPasskeysController,
    AccountPasskeyCeremonyController,
    AdminPasskeysController,
    PasskeyAssetsController,
  ],
  providers: [
    RelyingParty,
    Passkeys,
    PasskeyChallenges,
    PasskeyRegistration,
    PasskeyAuthentication,
    PasskeySecondFactor,
  ],
  exports: [Passkeys, PasskeyAuthentication],
})
export class PasskeysModule {}
