import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { AppConfig } from '../config/app-config';

/**
 * AuthZEN 1.0 §9 Policy Decision Point metadata. The PDP identifier is the issuer; only the
 * endpoints Gatehouse serves are listed (§9.1.1): subject and action search, not resource search
 * (its absence tells a PEP that the PDP does not offer it; docs/authzen.md, "Search"). No
 * `capabilities` (§9.1.2: registered IANA URNs only, and the registry holds none that applies;
 * §9.2.2: a parameter without values is omitted) and no `signed_metadata` (§9.1.3). Public and
 * cacheable, like the other discovery documents.
 */
@ApiTags('discovery')
@Controller()
export class AuthzenConfigurationController {
  private readonly metadata: Record<string, string>;

  constructor(config: AppConfig) {
    this.metadata = {
      policy_decision_point: config.issuer,
      access_evaluation_endpoint: `${config.issuer}/access/v1/evaluation`,
      access_evaluations_endpoint: `${config.issuer}/access/v1/evaluations`,
      search_subject_endpoint: `${config.issuer}/access/v1/search/subject`,
      search_action_endpoint: `${config.issuer}/access/v1/search/action`,
    };
  }

  @Get('.well-known/authzen-configuration')
  @ApiOperation({ summary: 'AuthZEN 1.0 §9 Policy Decision Point metadata' })
  @ApiOkResponse()
  configuration(@Res({ passthrough: true }) reply: FastifyReply): Record<string, string> {
    void reply.headers({
      'access-control-allow-origin': '*',
      'cache-control': 'public, max-age=300',
    });
    return this.metadata;
  }
}
