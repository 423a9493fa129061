import { Body, Controller, Post, Req } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiTags,
} from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { auditContext } from '../events/audit-context';
import { SignUpDto } from './user.dto';
import { UsersService } from './users.service';

class SignedUpView {
  id: string;
  username: string;
}

/** CONTRACT §2 self sign-up as JSON; `SIGNUP_ENABLED=false` closes it. */
@ApiTags('accounts')
@Controller('accounts')
export class AccountsController {
  constructor(
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @ApiCreatedResponse({ type: SignedUpView })
  @ApiForbiddenResponse({ description: 'Sign-up is disabled' })
  @ApiConflictResponse({ description: 'The username is taken' })
  async signUp(@Body() body: SignUpDto, @Req() request: FastifyRequest): Promise<SignedUpView> {
    if (!this.config.signupEnabled) throw new ApiError(403, 'forbidden', 'sign-up is disabled');
    const user = await this.users.create(body, auditContext(request, { type: 'anonymous' }));
    return { id: user.id, username: user.username };
  }
}
