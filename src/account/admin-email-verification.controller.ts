import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNotFoundResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ADMIN_SCOPE } from '../common/auth/permissions';
import { RequireScope } from '../common/auth/required-scope';
import { ValidationFailedError } from '../common/api-error';
import { AdminAudit, AuditContext } from '../events/audit-context';
import { userSnapshot } from '../users/user';
import { UsersService } from '../users/users.service';
import { EmailVerification } from './email-verification.service';

export class VerificationMailView {
  @ApiProperty({
    enum: ['sent', 'logged', 'failed', 'refused'],
    description:
      '`sent`: handed to the mail server; `logged`: no SMTP_URL, written to the log without the link; `failed`: the mail server refused or was unreachable (logged); `refused`: the address cannot be mailed safely',
  })
  delivery: string;
}

/**
 * Email verification for administrators (docs/account.md). Marking an address verified by
 * hand is `PATCH /admin/users/{id}` with `email_verified`; this mails a new link.
 */
@ApiTags('admin: users')
@RequireScope(ADMIN_SCOPE)
@Controller('admin/users')
export class AdminEmailVerificationController {
  constructor(
    private readonly users: UsersService,
    private readonly verification: EmailVerification,
  ) {}

  @Post(':id/email-verification')
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: VerificationMailView,
    description: "A new verification link went to the user's address; earlier links stop working",
  })
  @ApiNotFoundResponse()
  async resend(
    @Param('id') id: string,
    @AdminAudit() audit: AuditContext,
  ): Promise<VerificationMailView> {
    const user = userSnapshot(await this.users.get(id));
    if (!user.email || user.emailVerified) {
      throw new ValidationFailedError([
        {
          field: 'email',
          problem: user.email ? 'is verified already' : 'is not set: the user has no address',
        },
      ]);
    }
    const delivery = await this.verification.send(user, audit);
    return { delivery };
  }
}
