import { Global, Module } from '@nestjs/common';
import { JwtService } from './jwt.service';
import { KeyEncryption } from './key-encryption.service';
import { KeyRotation } from './key-rotation.service';
import { KeysController } from './keys.controller';
import { RandomService } from './random.service';
import { SecretHasher } from './secret-hasher.service';
import { SigningKeys } from './signing-keys.service';

@Global()
@Module({
  controllers: [KeysController],
  providers: [RandomService, SecretHasher, KeyEncryption, SigningKeys, KeyRotation, JwtService],
  exports: [RandomService, SecretHasher, SigningKeys, JwtService],
})
export class CryptoModule {}
