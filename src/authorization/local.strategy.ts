import { Injectable } from '@nestjs/common';
import { Strategy } from 'passport-local';
import { AppPassport, AppPassportStrategy } from '../common/auth/app-passport';
import { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';

/** Passport local strategy for the login form's `username` and `password`. */
@Injectable()
export class LocalStrategy extends AppPassportStrategy(Strategy, 'local') {
  constructor(
    passport: AppPassport,
    private readonly users: UsersService,
  ) {
    super(passport, { usernameField: 'username', passwordField: 'password', session: false });
  }

  /** Returning false makes Passport `fail`: an unknown user and a wrong password look the same. */
  async validate(username: string, password: string): Promise<UserEntity | false> {
    const user = await this.users.verifyPassword(username, password);
    return user?.status === 'active' ? user : false;
  }
}
