import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CryptoModule } from '../crypto/crypto.module';
import { EventsModule } from '../events/events.module';
import { AccountsController } from './accounts.controller';
import { EmailChanges } from './email-changes';
import { SignOutEverywhere } from './sign-out-everywhere';
import { UserDirectory } from './user-directory.service';
import { UserEntity } from './user.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity]), EventsModule, CryptoModule],
  controllers: [UsersController, AccountsController],
  providers: [UsersService, UserDirectory, SignOutEverywhere, EmailChanges],
  exports: [UsersService, UserDirectory, SignOutEverywhere, EmailChanges],
})
export class UsersModule {}
