import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { JwtService } from './jwt.service';
import { KeyEncryption } from './key-encryption.service';
import { KeyRotation } from './key-rotation.service';
import { KeysController } from './keys.controller';
import { RandomService } from './random.service';
import { SecretHasher } from './secret-hasher.service';
import { SigningKeys } from './signing-keys.service';

@Module({
  imports: [EventsModule],
  controllers: [KeysController],
  providers: [RandomService, SecretHasher, KeyEncryption, SigningKeys, KeyRotation, JwtService],
  exports: [RandomService, SecretHasher, KeyEncryption, SigningKeys, JwtService],
})
export class CryptoModule {}
