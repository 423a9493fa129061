import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsModule } from '../clients/clients.module';
import { CryptoModule } from '../crypto/crypto.module';
import { EventsModule } from '../events/events.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { UsersModule } from '../users/users.module';
import { IdentityProvidersModule } from '../identity-providers/identity-providers.module';
import { UpstreamAccountLink } from './upstream/upstream-account-link.service';
import { FederatedAccounts } from './upstream/federated-accounts.service';
import { UpstreamLoginController } from './upstream/upstream-login.controller';
import { UpstreamPending } from './upstream/upstream-pending.service';
import { UpstreamRelyingParty } from './upstream/upstream-relying-party';
import { UpstreamSignIn } from './upstream/upstream-sign-in.service';
import { UpstreamAuthorizationEntity, UpstreamLinkOfferEntity } from './upstream/upstream.entities';
import { AdminUserSessionsController } from './admin-user-sessions.controller';
import { AssetsController } from './assets.controller';
import {
  AuthorizationCodeEntity,
  BrowserSessionEntity,
  ConsentEntity,
  InteractionEntity,
  PushedAuthorizationRequestEntity,
} from './authorization.entities';
import { AuthorizationCodesService } from './authorization-codes.service';
import { AuthorizationRequestParser } from './authorization-request.parser';
import { AuthorizationService } from './authorization.service';
import { AuthorizeController } from './authorize.controller';
import { ConsentController } from './consent.controller';
import { ConsentsService } from './consents.service';
import { InteractionsService } from './interactions.service';
import { LocalStrategy } from './local.strategy';
import { LoginThrottle } from './login-throttle.service';
import { LoginController } from './login.controller';
import { LogoutController } from './logout.controller';
import { ParController } from './par.controller';
import { PushedRequests } from './pushed-requests.service';
import { RpInitiatedLogout } from './rp-initiated-logout.service';
import { SessionsService } from './sessions.service';
import { SignInRefusalPage } from './sign-in-refusal.page';
import { SignIn } from './sign-in.service';
import { SignupController } from './signup.controller';
import { AccountSecurityController } from './second-factors/account-security.controller';
import { MfaPolicy } from './second-factors/mfa-policy.service';
import { PendingSignIns } from './second-factors/pending-sign-ins.service';
import { RecoveryCodes } from './second-factors/recovery-codes.service';
import { SecondFactorController } from './second-factors/second-factor.controller';
import {
  PendingSignInEntity,
  RecoveryCodeEntity,
  TotpAuthenticatorEntity,
} from './second-factors/second-factor.entities';
import { RecentSignIn } from './second-factors/recent-sign-in.service';
import { SecondFactorGate } from './second-factors/second-factor-gate.service';
import { SecondFactorEnrolment } from './second-factors/second-factor-enrolment.service';
import { SecondFactorRegistry } from './second-factors/second-factor.registry';
import { SecondFactorStep } from './second-factors/second-factor-step.service';
import { SecondFactorThrottle } from './second-factors/second-factor-throttle.service';
import { SecondFactorsAdminController } from './second-factors/second-factors-admin.controller';
import { TotpAuthenticators } from './second-factors/totp-authenticators.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([
      InteractionEntity,
      BrowserSessionEntity,
      ConsentEntity,
      AuthorizationCodeEntity,
      PushedAuthorizationRequestEntity,
      UpstreamAuthorizationEntity,
      UpstreamLinkOfferEntity,
      TotpAuthenticatorEntity,
      RecoveryCodeEntity,
      PendingSignInEntity,
    ]),
    EventsModule,
    CryptoModule,
    RateLimitModule,
    ClientsModule,
    UsersModule,
    IdentityProvidersModule,
  ],
  controllers: [
    AuthorizeController,
    LoginController,
    ConsentController,
    SignupController,
    LogoutController,
    AssetsController,
    ParController,
    UpstreamLoginController,
    SecondFactorController,
    AccountSecurityController,
    SecondFactorsAdminController,
    AdminUserSessionsController,
  ],
  providers: [
    AuthorizationRequestParser,
    AuthorizationService,
    AuthorizationCodesService,
    InteractionsService,
    SessionsService,
    ConsentsService,
    LoginThrottle,
    LocalStrategy,
    SignInRefusalPage,
    RpInitiatedLogout,
    SignIn,
    PushedRequests,
    UpstreamRelyingParty,
    UpstreamPending,
    UpstreamSignIn,
    UpstreamAccountLink,
    FederatedAccounts,
    // Second factors (docs/second-factors.md): another factor kind registers with the registry
    // and completes the step through SecondFactorStep.
    SecondFactorRegistry,
    TotpAuthenticators,
    RecoveryCodes,
    PendingSignIns,
    SecondFactorThrottle,
    MfaPolicy,
    SecondFactorStep,
    SecondFactorEnrolment,
    RecentSignIn,
    SecondFactorGate,
  ],
  exports: [
    AuthorizationCodesService,
    SessionsService,
    SecondFactorRegistry,
    SecondFactorStep,
    PendingSignIns,
    MfaPolicy,
    RecentSignIn,
    SecondFactorEnrolment,
    ConsentsService,
    LoginThrottle,
    InteractionsService,
  ],
})
export class AuthorizationModule {}
