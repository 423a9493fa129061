import { Body, Controller, HttpCode, Ip, Post, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { CHECK_SCOPE } from '../../common/auth/permissions';
import { RequireScope } from '../../common/auth/required-scope';
import { AuthzenRequestGuard } from './authzen-request.guard';
import { ActionSearchRequest, SearchAnswer, SubjectSearchRequest } from './authzen-search.dto';
import { AuthzenSearch } from './authzen-search.service';

/**
 * OpenID AuthZEN Authorization API 1.0 §8 Search APIs, as far as Gatehouse can answer them
 * (AuthzenSearch): subject and action search. Same authentication and transport checks as the
 * evaluation routes (authzen.controller.ts); `X-Request-ID` is echoed for every route
 * (common/http/request-id.ts). See docs/authzen.md, "Search".
 */
@ApiTags('access')
@Controller()
export class AuthzenSearchController {
  constructor(private readonly search: AuthzenSearch) {}

  @Post('access/v1/search/subject')
  @HttpCode(200)
  @RequireScope(CHECK_SCOPE)
  @UseGuards(AuthzenRequestGuard)
  @ApiOperation({
    summary: 'AuthZEN subject search: the active subjects of a type that may do the action',
  })
  subjects(
    @Body() body: SubjectSearchRequest,
    @Ip() address: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SearchAnswer<{ type: string; id: string }>> {
    void reply.header('cache-control', 'no-store');
    return this.search.subjects(body, address);
  }

  @Post('access/v1/search/action')
  @HttpCode(200)
  @RequireScope(CHECK_SCOPE)
  @UseGuards(AuthzenRequestGuard)
  @ApiOperation({
    summary: 'AuthZEN action search: the actions a subject may do on a resource type',
  })
  actions(
    @Body() body: ActionSearchRequest,
    @Ip() address: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SearchAnswer<{ name: string }>> {
    void reply.header('cache-control', 'no-store');
    return this.search.actions(body, address);
  }
}
