import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { ADMIN_SCOPE } from '../common/auth/permissions';
import { RequireScope } from '../common/auth/required-scope';
import { AdminAudit, AuditContext } from '../events/audit-context';
import { UsersService } from '../users/users.service';
import { AdminSessionListing, SessionsService } from './sessions.service';

/** One live browser session of a person (never its cookie or the cookie's hash). */
export class AdminSessionView {
  @ApiProperty({ description: 'An opaque name of the session, stable while it lives' })
  id: string;
  @ApiProperty({ description: 'ISO 8601: when the session began' })
  created_at: string;
  @ApiProperty({ description: 'ISO 8601: when the person authenticated (OIDC auth_time)' })
  auth_time: string;
  @ApiProperty({ description: 'ISO 8601: when it ends unless ended sooner' })
  expires_at: string;
  @ApiProperty({ type: [String], example: ['pwd', 'otp', 'mfa'], description: 'RFC 8176 §2' })
  amr: string[];
  @ApiProperty({ nullable: true, type: String, description: 'The address it began from' })
  ip: string | null;
  @ApiProperty({ nullable: true, type: String }) user_agent: string | null;
}

function toView(session: AdminSessionListing): AdminSessionView {
  return {
    id: session.handle,
    created_at: session.startedAt.toISOString(),
    auth_time: session.authTime.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    amr: session.amr,
    ip: session.ip,
    user_agent: session.userAgent,
  };
}

/**
 * A person's browser sessions for administrators, and "sign out everywhere"
 * (docs/endpoints.md, Admin API).
 */
@ApiTags('admin: users')
@RequireScope(ADMIN_SCOPE)
@Controller('admin/users/:id/sessions')
export class AdminUserSessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
  ) {}

  @Get()
  @ApiOperation({ summary: "The person's live browser sessions, newest first (at most 100)" })
  @ApiOkResponse({ type: [AdminSessionView] })
  @ApiNotFoundResponse()
  async list(@Param('id') id: string): Promise<AdminSessionView[]> {
    return (await this.sessions.listForAdmin(id)).map(toView);
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Sign out everywhere: every browser session and refresh token family of the person ends, ' +
      'and access tokens issued before now stop working (audited as user.signed_out_everywhere)',
  })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async signOutEverywhere(
    @Param('id') id: string,
    @AdminAudit() audit: AuditContext,
  ): Promise<void> {
    await this.users.signOutEverywhere(id, audit);
  }
}
