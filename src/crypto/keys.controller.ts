import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { RequireScope } from '../common/auth/required-scope';
import { KeyRotation } from './key-rotation.service';
import { RotatedKeysView, toRotatedKeysView } from './rotated-keys.view';

@ApiTags('admin: keys')
// CONTRACT §3: the admin API wants iam:admin.
@RequireScope('iam:admin')
@Controller('admin/keys')
export class KeysController {
  constructor(private readonly rotation: KeyRotation) {}

  @Post('rotate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the signing keys: new tokens use the new keys at once',
    description:
      'Each signing algorithm gets a new active key. The old ones are retired but stay in /jwks, ' +
      'and keep verifying, until every token they signed has expired (a day).',
  })
  @ApiOkResponse({ type: RotatedKeysView })
  async rotate(@Req() request: FastifyRequest): Promise<RotatedKeysView> {
    const rotated = await this.rotation.rotate({
      actor: { type: 'client', id: request.principal?.clientId },
      ip: request.ip,
      userAgent: request.headers['user-agent'],
    });
    return toRotatedKeysView(rotated);
  }
}
