import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsModule } from '../clients/clients.module';
import { CryptoModule } from '../crypto/crypto.module';
import { EventsModule } from '../events/events.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { UsersModule } from '../users/users.module';
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

@Module({
  imports: [
    TypeOrmModule.forFeature([
      InteractionEntity,
      BrowserSessionEntity,
      ConsentEntity,
      AuthorizationCodeEntity,
      PushedAuthorizationRequestEntity,
    ]),
    EventsModule,
    CryptoModule,
    RateLimitModule,
    ClientsModule,
    UsersModule,
  ],
  controllers: [
    AuthorizeController,
    LoginController,
    ConsentController,
    SignupController,
    LogoutController,
    AssetsController,
    ParController,
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
  ],
  exports: [AuthorizationCodesService, SessionsService, InteractionsService],
})
export class AuthorizationModule {}
