import { Module } from '@nestjs/common';
import { AuthzenConfigurationController } from './authzen-configuration.controller';
import { DiscoveryController } from './discovery.controller';
import { DiscoveryService } from './discovery.service';

@Module({
  controllers: [DiscoveryController, AuthzenConfigurationController],
  providers: [DiscoveryService],
})
export class DiscoveryModule {}
