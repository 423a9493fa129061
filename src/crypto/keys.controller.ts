import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ADMIN_SCOPE } from '../common/auth/permissions';
import { RequireScope } from '../common/auth/required-scope';
import { AdminAudit, AuditContext } from '../events/audit-context';
import { KeyStateView } from './key-states';
import { KeyRotation } from './key-rotation.service';
import { KeyView } from './key.view';
import { SigningKeys } from './signing-keys.service';
import { RotateKeysDto } from './rotate-keys.dto';
import { RotatedKeysView, toRotatedKeysView } from './rotated-keys.view';

@ApiTags('admin: keys')
// docs/endpoints.md, Admin API: the admin API wants iam:admin.
@RequireScope(ADMIN_SCOPE)
@Controller('admin/keys')
export class KeysController {
  constructor(
    private readonly rotation: KeyRotation,
    private readonly keys: SigningKeys,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The signing keys and where each stands: next, current or retired',
    description:
      'next: published in /jwks, signing from activates_at; current: signing now; retired: ' +
      'replaced at retires_at, still in /jwks until every token it signed has expired ' +
      '(docs/key-rotation.md, "Key states"). Never key material.',
  })
  @ApiOkResponse({ type: [KeyView] })
  list(): Promise<KeyStateView[]> {
    return this.keys.states();
  }

  @Post('rotate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the signing keys: published now, signing after KEY_PUBLISH_AHEAD seconds',
    description:
      'Each signing algorithm gets a new key, in /jwks at once; tokens are signed with it from ' +
      'its signs_from, KEY_PUBLISH_AHEAD seconds later, so verifiers that cache /jwks find it ' +
      'first. The old keys sign until then and keep verifying until every token they signed ' +
      'has expired (a day). With {"immediate": true} (a compromised key) the new keys sign at ' +
      'once and every older key is withdrawn: tokens signed before stop verifying.',
  })
  @ApiBody({ type: RotateKeysDto, required: false })
  @ApiOkResponse({ type: RotatedKeysView })
  async rotate(
    @Body() body: RotateKeysDto,
    // A person's token names the person (and the console client they acted through).
    @AdminAudit() audit: AuditContext,
  ): Promise<RotatedKeysView> {
    const rotated = await this.rotation.rotate(audit, { immediate: body.immediate === true });
    return toRotatedKeysView(rotated);
  }
}
