import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ADMIN_SCOPE } from '../../common/auth/permissions';
import { RequireScope } from '../../common/auth/required-scope';
import { DecisionExplainer } from './decision-explainer.service';
import { Explanation, ExplainRequest } from './explain.dto';

/** For administrators: a decision explained (DecisionExplainer). */
@ApiTags('admin: access rules')
@RequireScope(ADMIN_SCOPE)
@Controller('admin/access/explain')
export class ExplainController {
  constructor(private readonly explainer: DecisionExplainer) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Explain a decision: {token, method, path} or {token, resource, action}',
  })
  @ApiOkResponse({ type: Explanation })
  explain(@Body() body: ExplainRequest): Promise<Explanation> {
    return this.explainer.explain(body);
  }
}
