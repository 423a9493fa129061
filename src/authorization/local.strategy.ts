import { Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { AppPassport, AppPassportStrategy } from '../common/auth/app-passport';
import { User } from '../users/user';
import { UsersService } from '../users/users.service';
import { loginAttempt } from './login-attempt';

/**
 * Passport strategy for the login form's `username` and `password`, read by `loginAttempt` (the
 * form body only) so that it checks exactly the account the throttle counted.
 */
@Injectable()
export class LocalStrategy extends AppPassportStrategy(Strategy, 'local') {
  constructor(
    passport: AppPassport,
    private readonly users: UsersService,
  ) {
    super(passport);
  }

  /** Returning false makes Passport `fail`: an unknown user and a wrong password look the same. */
  async validate(request: FastifyRequest): Promise<User | false> {
    const attempt = loginAttempt(request);
    if (attempt.refusal) return false;
    const user = await this.users.verifyPassword(attempt.username, attempt.password, request.ip);
    return user?.status === 'active' ? user : false;
  }
}
