import { Controller, Get, Post } from '@nestjs/common';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import { expect } from 'expect';
import { describe, it } from 'node:test';
import { ErrorShape, errorShapeOf } from './error-response';

@ErrorShape('oauth')
@Controller('thing')
class ThingController {
  @Get()
  read(): void {}

  @Post('more')
  write(): void {}

  helper(): void {}
}

describe(ErrorShape.name, () => {
  it('puts the shape in the route config of every route of the controller, and nowhere else', () => {
    const prototype = ThingController.prototype;
    for (const route of [prototype.read, prototype.write]) {
      expect(Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, route)).toEqual({
        errorShape: 'oauth',
      });
    }
    expect(Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, prototype.helper)).toBeUndefined();
  });
});

describe(errorShapeOf.name, () => {
  const routed = (config: unknown, url = '/anywhere') => ({ url, routeOptions: { config } });

  it('answers in the shape the route declares, whatever its path', () => {
    expect(errorShapeOf(routed({ errorShape: 'oauth' }))).toBe('oauth');
    expect(errorShapeOf(routed({ errorShape: 'page' }))).toBe('page');
  });

  it('answers a route that declares nothing in the admin API shape, even under /token', () => {
    expect(errorShapeOf(routed({}, '/token/x'))).toBe('api');
  });

  it('answers a request no route matched in the shape of the surface its path sits under', () => {
    expect(errorShapeOf({ url: '/token/x', is404: true, routeOptions: { config: {} } })).toBe(
      'oauth',
    );
    expect(errorShapeOf({ url: '/login/x', is404: true })).toBe('page');
    expect(errorShapeOf({ url: '/nope', is404: true })).toBe('api');
  });
});
