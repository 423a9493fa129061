import { Global, Module } from '@nestjs/common';
import { JwtService } from './jwt.service';
import { KeyEncryption } from './key-encryption.service';
import { RandomService } from './random.service';
import { SecretHasher } from './secret-hasher.service';
import { SigningKeys } from './signing-keys.service';

@Global()
@Module({
  providers: [RandomService, SecretHasher, KeyEncryption, SigningKeys, JwtService],
  exports: [RandomService, SecretHasher, SigningKeys, JwtService],
})
export class CryptoModule {}
