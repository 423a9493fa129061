import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ADMIN_SCOPE } from '../common/auth/permissions';
import { RequireScope } from '../common/auth/required-scope';
import { AdminAudit, AuditContext } from '../events/audit-context';
import { UsersService } from '../users/users.service';
import { Passkeys } from './passkeys.service';
import { PasskeyView, toPasskeyView } from './passkey.view';

/** A person's passkeys for administrators: list, and remove one (a lost or stolen device). */
@ApiTags('admin: users')
@RequireScope(ADMIN_SCOPE)
@ApiBadRequestResponse({
  description: 'Validation failed: `{error, message, details: [{field, problem}]}`',
})
@Controller('admin/users/:id/passkeys')
export class AdminPasskeysController {
  constructor(
    private readonly users: UsersService,
    private readonly passkeys: Passkeys,
  ) {}

  @Get()
  @ApiOkResponse({ type: [PasskeyView] })
  @ApiNotFoundResponse({ description: 'No such user' })
  async list(@Param('id') userId: string): Promise<PasskeyView[]> {
    await this.users.get(userId);
    return (await this.passkeys.listFor(userId)).map(toPasskeyView);
  }

  @Delete(':passkeyId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removed (audited as passkey.removed)' })
  @ApiNotFoundResponse({ description: 'No such user, or no such passkey of that user' })
  async remove(
    @Param('id') userId: string,
    @Param('passkeyId') passkeyId: string,
    @AdminAudit() audit: AuditContext,
  ): Promise<void> {
    await this.users.get(userId);
    await this.passkeys.remove(userId, passkeyId, audit);
  }
}
