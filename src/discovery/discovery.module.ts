import { Module } from '@nestjs/common';
import { CryptoModule } from '../crypto/crypto.module';
import { TokensModule } from '../tokens/tokens.module';
import { AuthzenConfigurationController } from './authzen-configuration.controller';
import { DiscoveryController } from './discovery.controller';
import { DiscoveryService } from './discovery.service';

@Module({
  imports: [CryptoModule, TokensModule],
  controllers: [DiscoveryController, AuthzenConfigurationController],
  providers: [DiscoveryService],
})
export class DiscoveryModule {}
