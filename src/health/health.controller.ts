import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { CheckStatus, Readiness } from './readiness.service';

const STATUSES: CheckStatus[] = ['up', 'down'];

class ReadinessChecks {
  @ApiProperty({ enum: STATUSES, description: 'The database answers SELECT 1 within 2 s' })
  database!: CheckStatus;
  @ApiProperty({ enum: STATUSES, description: 'Clients, users, roles and rules are loaded' })
  access_state!: CheckStatus;
  @ApiProperty({ enum: STATUSES, description: 'Every revoked access token is known' })
  revocation_list!: CheckStatus;
  @ApiProperty({
    enum: STATUSES,
    description: "Other processes' changes reach this one (always up in embedded mode)",
  })
  change_notifications!: CheckStatus;
}

class ReadinessBody {
  @ApiProperty({ enum: ['ok', 'unavailable'] })
  status!: 'ok' | 'unavailable';
  @ApiProperty({ type: ReadinessChecks })
  checks!: ReadinessChecks;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: Readiness) {}

  @Get('live')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The process runs' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOkResponse({
    type: ReadinessBody,
    description: 'The database answers and the decision engine can decide',
  })
  @ApiServiceUnavailableResponse({
    type: ReadinessBody,
    description: 'A check is down: take this process out of the load balancer',
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessBody> {
    void reply.header('cache-control', 'no-store');
    const { ready, checks } = await this.readiness.report();
    if (!ready) void reply.status(503);
    return { status: ready ? 'ok' : 'unavailable', checks };
  }
}
