import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CryptoModule } from '../crypto/crypto.module';
import { EventsModule } from '../events/events.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { AdminBootstrap } from './admin-bootstrap.service';
import { ConsoleClientBootstrap } from './console-client';
import { ClientAssertionVerifier } from './client-auth/client-assertion.verifier';
import { ClientAuthGuard } from './client-auth/client-auth.guard';
import { TokenRequestGuard } from './client-auth/form-request.guard';
import { ClientAuthenticator } from './client-auth/client-authenticator.service';
import { ClientSecretJwtStrategy } from './client-auth/client-secret-jwt.strategy';
import {
  ClientSecretBasicStrategy,
  ClientSecretPostStrategy,
  PublicClientStrategy,
} from './client-auth/client-secret.strategies';
import { JwksFetcher, JwksNetwork } from './client-auth/jwks-fetcher.service';
import { PrivateKeyJwtStrategy } from './client-auth/private-key-jwt.strategy';
import { CertificateAuthentication } from './client-auth/certificate-authentication';
import { CertificateTrust } from './client-auth/certificate-trust.service';
import {
  SelfSignedTlsClientAuthStrategy,
  TlsClientAuthStrategy,
} from './client-auth/mutual-tls.strategies';
import { ClientDirectory } from './client-directory.service';
import { ClientEntity } from './client.entity';
import { ClientsController } from './clients.controller';
import { ClientsService } from './clients.service';
import { RegistrationController } from './registration/registration.controller';
import { RegistrationService } from './registration/registration.service';

@Module({
  imports: [TypeOrmModule.forFeature([ClientEntity]), EventsModule, CryptoModule, RateLimitModule],
  controllers: [ClientsController, RegistrationController],
  providers: [
    ClientsService,
    ClientDirectory,
    RegistrationService,
    AdminBootstrap,
    ConsoleClientBootstrap,
    ClientAuthenticator,
    ClientSecretBasicStrategy,
    ClientSecretPostStrategy,
    PublicClientStrategy,
    PrivateKeyJwtStrategy,
    ClientSecretJwtStrategy,
    TlsClientAuthStrategy,
    SelfSignedTlsClientAuthStrategy,
    CertificateTrust,
    CertificateAuthentication,
    ClientAssertionVerifier,
    JwksFetcher,
    JwksNetwork,
    ClientAuthGuard,
    TokenRequestGuard,
  ],
  exports: [ClientsService, ClientDirectory, ClientAuthGuard, TokenRequestGuard],
})
export class ClientsModule {}
