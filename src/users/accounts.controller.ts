import { Body, Controller, Post, Req } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { ConflictError, ForbiddenError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { auditContext } from '../events/audit-context';
import { SignUpDto } from './user.dto';
import { UsersService } from './users.service';

/** What sign-up says about a taken username: it neither echoes it nor names anything else. */
export const USERNAME_TAKEN = 'that username is not available; choose another';

class SignedUpView {
  id: string;
  username: string;
}

/** docs/signing-in.md, self sign-up as JSON; `SIGNUP_ENABLED=false` closes it. */
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
  @ApiConflictResponse({
    description: `The username is taken: \`{"error": "conflict", "message": "${USERNAME_TAKEN}"}\``,
  })
  @ApiTooManyRequestsResponse({
    description:
      'Too many sign-ups (bcrypt work) from this network; Retry-After says when to retry',
  })
  async signUp(@Body() body: SignUpDto, @Req() request: FastifyRequest): Promise<SignedUpView> {
    if (!this.config.signupEnabled) throw new ForbiddenError('sign-up is disabled');
    const audit = auditContext(request, { type: 'anonymous' });
    try {
      const user = await this.users.create(body, audit, request.ip);
      return { id: user.id, username: user.username };
    } catch (error) {
      // docs/decisions/0131-sign-up-answers.md: the same words whatever was typed.
      if (error instanceof ConflictError) throw new ConflictError(USERNAME_TAKEN);
      throw error;
    }
  }
}
