import { OpenAPIObject } from '@nestjs/swagger';
import { describeHotRoutes } from '../../common/http/hot-route-definition';
import { CHECK_ROUTE } from './check.route';
import { GATEWAY_ROUTE } from './gateway.route';

/**
 * The OpenAPI description of the decision routes served ahead of Fastify (hot routes), which the
 * Nest Swagger scanner does not see. Each route declares its own (CHECK_ROUTE, GATEWAY_ROUTE).
 */
export function describeAccessRoutes(document: OpenAPIObject): void {
  describeHotRoutes(document, [CHECK_ROUTE, GATEWAY_ROUTE]);
}
