import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountsController } from './accounts.controller';
import { UserDirectory } from './user-directory.service';
import { UserEntity } from './user.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity])],
  controllers: [UsersController, AccountsController],
  providers: [UsersService, UserDirectory],
  exports: [UsersService, UserDirectory],
})
export class UsersModule {}
