import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CryptoModule } from '../crypto/crypto.module';
import { EventsModule } from '../events/events.module';
import { IdentityProviderEntity, UpstreamLinkEntity } from './identity-provider.entities';
import { IdentityProvidersController } from './identity-providers.controller';
import { IdentityProvidersService } from './identity-providers.service';
import { UpstreamLinks } from './upstream-links.service';

/** Upstream OpenID Providers and the links from their identities to local users. */
@Module({
  imports: [
    TypeOrmModule.forFeature([IdentityProviderEntity, UpstreamLinkEntity]),
    EventsModule,
    CryptoModule,
  ],
  controllers: [IdentityProvidersController],
  providers: [IdentityProvidersService, UpstreamLinks],
  exports: [IdentityProvidersService, UpstreamLinks],
})
export class IdentityProvidersModule {}
