import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { FAVICON_SVG, GATEHOUSE_CSS } from './views/gatehouse.css';

@ApiExcludeController()
@Controller('assets')
export class AssetsController {
  @Get('gatehouse.css')
  stylesheet(@Res() reply: FastifyReply): void {
    void reply
      .headers({
        'content-type': 'text/css; charset=utf-8',
        'cache-control': 'public, max-age=3600',
        'x-content-type-options': 'nosniff',
      })
      .send(GATEHOUSE_CSS);
  }

  @Get('favicon.svg')
  favicon(@Res() reply: FastifyReply): void {
    void reply
      .headers({
        'content-type': 'image/svg+xml',
        'cache-control': 'public, max-age=86400',
        'x-content-type-options': 'nosniff',
      })
      .send(FAVICON_SVG);
  }
}
