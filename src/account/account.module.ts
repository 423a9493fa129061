import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthorizationModule } from '../authorization/authorization.module';
import { ClientsModule } from '../clients/clients.module';
import { CryptoModule } from '../crypto/crypto.module';
import { EventsModule } from '../events/events.module';
import { MailModule } from '../mail/mail.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { AccountLinkEntity } from './account-link.entity';
import { AccountLinks } from './account-links.service';
import { AccountController } from './account.controller';
import { AdminEmailVerificationController } from './admin-email-verification.controller';
import { AppAccess } from './app-access.service';
import { EmailVerificationController } from './email-verification.controller';
import { EmailVerification } from './email-verification.service';
import { MailThrottle } from './mail-throttle.service';
import { PasswordResetController } from './password-reset.controller';
import { PasswordReset } from './password-reset.service';

/** The person's own account (docs/account.md): verification, reset, and the /account pages. */
@Module({
  imports: [
    TypeOrmModule.forFeature([AccountLinkEntity]),
    EventsModule,
    CryptoModule,
    RateLimitModule,
    MailModule,
    ClientsModule,
    UsersModule,
    AuthorizationModule,
    TokensModule,
  ],
  controllers: [
    AccountController,
    EmailVerificationController,
    PasswordResetController,
    AdminEmailVerificationController,
  ],
  providers: [AccountLinks, MailThrottle, EmailVerification, PasswordReset, AppAccess],
})
export class AccountModule {}
